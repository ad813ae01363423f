// ketaflow's own script: live clocks on the visit screen and the print
// button. Everything works without it; it only keeps the times ticking.
(function () {
  "use strict";
  function fmt(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return (h > 0 ? h + ":" + pad(m) : m) + ":" + pad(sec);
  }
  var dirty = false;
  document.addEventListener("input", function () { dirty = true; });
  function typing() {
    var a = document.activeElement;
    return dirty || (a && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName));
  }
  // The server's time when it made the page: counting from it keeps the
  // clocks right on a tablet whose own clock is off.
  var skew = 0;
  var served = Date.parse(document.body.getAttribute("data-now"));
  if (!isNaN(served)) skew = served - Date.now();
  function tick() {
    var now = Date.now() + skew;
    document.querySelectorAll("[data-since]").forEach(function (el) {
      var t = Date.parse(el.getAttribute("data-since"));
      if (!isNaN(t)) el.textContent = fmt(now - t);
    });
    document.querySelectorAll("[data-until]").forEach(function (el) {
      var t = Date.parse(el.getAttribute("data-until"));
      if (isNaN(t)) return;
      el.textContent = fmt(t - now);
      if (t <= now && !el.dataset.reloaded && !typing()) {
        // The phase or the device countdown has ended: show the next one,
        // unless someone is filling in a form (nothing typed is lost).
        el.dataset.reloaded = "1";
        setTimeout(function () { if (!typing()) window.location.reload(); }, 1500);
      }
    });
  }
  if (document.querySelector("[data-since], [data-until]")) {
    tick();
    setInterval(tick, 1000);
  }
  // Each phase's share of the bar is its length (set here: the page's
  // security policy keeps style attributes out of the markup).
  document.querySelectorAll("[data-flex]").forEach(function (el) {
    el.style.flex = el.getAttribute("data-flex");
  });
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
})();
