// ketaflow's own script: live clocks on the visit screen, the print
// button, pages that follow what others change (alerts), and filling in
// again a form kept when the login ended. Everything works without it: it
// only keeps the times ticking and the pages fresh, and the page says what
// was typed either way.
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
  // Each phase grows by its length, never below its name (set here: the page's
  // security policy keeps style attributes out of the markup).
  document.querySelectorAll("[data-flex]").forEach(function (el) {
    el.style.flexGrow = el.getAttribute("data-flex");
  });
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });

  // Live pages. The server says what changed (/events, server-sent events,
  // with no patient data); the navigation's count follows, and the regions
  // marked data-live read themselves again: "clinic" regions on any alert
  // and on a write of a visit they show, a "visit" region on a change of
  // its visit. A card someone is typing in stays as it is.
  var events = document.body.getAttribute("data-events");
  if (events && window.EventSource && window.fetch && window.DOMParser) {
    var source = new EventSource(events), opened = false;
    source.addEventListener("open", function () {
      if (opened) refresh(); // back after a drop: catch up
      opened = true;
    });
    var heard = function (e) {
      var d;
      try { d = JSON.parse(e.data); } catch (x) { return; }
      var badge = document.getElementById("alert-count");
      // A count the server could not read is null: the badge says "?",
      // never a reassuring 0.
      if (badge && typeof d.count === "number") { badge.textContent = d.count; badge.hidden = d.count === 0; }
      // The Menu button of a phone repeats the count.
      if (typeof d.count === "number") {
        var menuCounts = document.querySelectorAll("[data-alert-count]");
        for (var i = 0; i < menuCounts.length; i++) {
          var n = menuCounts[i].querySelector("[data-n]");
          if (n) n.textContent = d.count;
          menuCounts[i].hidden = d.count === 0;
        }
      }
      else if (badge && d.count === null) { badge.textContent = "?"; badge.hidden = false; badge.title = "the count of your alerts could not be read"; }
      var shown = d.visit_id && document.querySelector('[data-visit="' + d.visit_id + '"]');
      var want = false;
      document.querySelectorAll("[data-live]").forEach(function (el) {
        var kind = el.getAttribute("data-live");
        if (kind === "clinic" && (e.type === "alerts" || shown)) want = true;
        if (kind === "visit" && d.visit_id === el.getAttribute("data-visit")) want = true;
      });
      if (want) refresh();
    };
    source.addEventListener("alerts", heard);
    source.addEventListener("visit", heard);
    // Another server's events may have been missed: read the regions again.
    source.addEventListener("resync", function () { if (document.querySelector("[data-live]")) refresh(); });
  }
  var fetching = false, again = false;
  function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok && !r.redirected ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (old) {
          var fresh = old.id && doc.getElementById(old.id);
          if (fresh) swap(old, document.importNode(fresh, true));
        });
      })
      .catch(function () {})
      .then(function () { fetching = false; if (again) { again = false; refresh(); } });
  }
  // editing is the child of a region that has the focus, typed text, or
  // a form given back from a login that ended (not saved yet).
  function editing(region) {
    var a = document.activeElement;
    return Array.prototype.find.call(region.children, function (k) {
      return (k.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName)) ||
        (k.matches("form.restored") || k.querySelector("form.restored")) ||
        Array.prototype.some.call(k.querySelectorAll("textarea, input[type=text]"), function (f) { return f.value !== f.defaultValue; });
    });
  }
  function swap(old, fresh) {
    var keep = editing(old);
    if (!keep) { old.replaceWith(fresh); return; }
    old.hidden = fresh.hidden;
    Array.prototype.slice.call(old.children).forEach(function (c) { if (c !== keep) c.remove(); });
    var after = false;
    Array.prototype.slice.call(fresh.children).forEach(function (k) {
      if (k.id && k.id === keep.id) { after = true; return; }
      if (after) old.appendChild(k); else old.insertBefore(k, keep);
    });
  }

  // A form kept when the login ended, given back to the page: fill the
  // form it came from with what was typed, mark it "not saved yet", and
  // leave the saving to the person. It is never submitted from here.
  var kept = document.getElementById("draft-notice");
  if (kept) {
    var draft;
    try { draft = JSON.parse(kept.getAttribute("data-draft")); } catch (e) { draft = null; }
    if (draft && draft.fields) restore(draft);
  }
  function restore(draft) {
    var forms = Array.prototype.filter.call(document.forms, function (f) {
      return new URL(f.action, location.href).pathname === draft.action;
    });
    // Several forms post to one address (the moves of a visit): the one
    // whose hidden fields say what the kept form said.
    var form = forms.filter(function (f) {
      return Array.prototype.every.call(f.querySelectorAll("input[type=hidden]"), function (i) {
        var vals = draft.fields[i.name];
        return !vals || vals.indexOf(i.value) >= 0;
      });
    })[0] || forms[0];
    if (!form) return;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "submit" || el.type === "button" || el.type === "password") return;
      var vals = draft.fields[el.name];
      if (el.type === "checkbox") { el.checked = !!vals && vals.indexOf(el.value) >= 0; return; }
      if (!vals) return;
      if (el.type === "radio") el.checked = vals.indexOf(el.value) >= 0;
      else el.value = vals[0];
    });
    for (var p = form.parentElement; p; p = p.parentElement) {
      if (p.tagName === "DETAILS") p.open = true;
    }
    var mark = document.createElement("p");
    mark.className = "draft-mark";
    mark.textContent = "Not saved yet: check and save.";
    form.insertBefore(mark, form.firstChild);
    form.classList.add("restored");
    dirty = true; // the page must not reload itself under the form
    form.scrollIntoView({ block: "center" });
  }
})();
