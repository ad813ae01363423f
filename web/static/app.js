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
  // decorate does it for the page, and again for what a live region
  // brings in.
  function decorate(root) {
    root.querySelectorAll("[data-flex]").forEach(function (el) {
      el.style.flexGrow = el.getAttribute("data-flex");
    });
    root.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  }
  decorate(document);

  // Live pages. The server says what changed (/events, server-sent events,
  // with no patient data); the navigation's count follows, and the regions
  // marked data-live read themselves again: "clinic" regions on any alert
  // and on a write of a visit they show, a "visit" region on a change of
  // its visit, a "floor" region (a worklist) on any change, and each
  // minute, since what is due comes with time. A form someone is typing
  // in stays as it is, and the rest of the page around it is brought up to
  // date.
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
        if (kind === "floor") want = true;
      });
      if (want) refresh();
    };
    source.addEventListener("alerts", heard);
    source.addEventListener("visit", heard);
    // Another server's events may have been missed: read the regions again.
    source.addEventListener("resync", function () { if (document.querySelector("[data-live]")) refresh(); });
    if (document.querySelector('[data-live="floor"]')) setInterval(refresh, 60000);
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
          // A region inside another is brought up to date with it.
          if (old.parentElement && old.parentElement.closest("[data-live]")) return;
          var fresh = old.id && doc.getElementById(old.id);
          if (fresh) swap(old, document.importNode(fresh, true));
        });
      })
      .catch(function () {})
      .then(function () { fetching = false; if (again) { again = false; refresh(); } });
  }
  // changed reports whether a field holds what the person typed or
  // chose, not what the page came with.
  function changed(f) {
    if (f.type === "checkbox" || f.type === "radio") return f.checked !== f.defaultChecked;
    if (f.tagName === "SELECT") {
      var hasDefault = Array.prototype.some.call(f.options, function (o) { return o.defaultSelected; });
      return Array.prototype.some.call(f.options, function (o, i) { return o.selected !== (hasDefault ? o.defaultSelected : i === 0); });
    }
    if (f.type === "hidden" || f.type === "submit" || f.type === "button") return false;
    return f.value !== f.defaultValue;
  }
  // editing is the child of a region that has the focus in a field, a
  // field changed, or a form given back from a login that ended (not
  // saved yet).
  function editing(region) {
    var a = document.activeElement;
    return Array.prototype.find.call(region.children, function (k) {
      return (k.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName)) ||
        (k.matches("form.restored") || k.querySelector("form.restored")) ||
        // A form sent back with its errors, the typed values in it.
        (k.matches(".field-error") || k.querySelector(".field-error")) ||
        Array.prototype.some.call(k.querySelectorAll("textarea, input, select"), changed);
    });
  }
  // swap brings a region up to date: whole, unless someone is editing in
  // it. Then the child being edited stays; its siblings are replaced; and
  // when that child is not itself the form (a card holding it, with an
  // id), it is brought up to date the same way, down to the form.
  function swap(old, fresh) {
    var keep = editing(old);
    if (!keep) { keepOpen(old, fresh); old.replaceWith(fresh); decorate(fresh); return; }
    old.hidden = fresh.hidden;
    var twin = counterpart(keep, old, fresh);
    Array.prototype.slice.call(old.children).forEach(function (c) { if (c !== keep) c.remove(); });
    var after = false;
    Array.prototype.slice.call(fresh.children).forEach(function (k) {
      if (k === twin) { after = true; return; }
      if (after) old.appendChild(k); else old.insertBefore(k, keep);
      decorate(k);
    });
    if (twin && keep.tagName !== "FORM") swap(keep, twin);
  }
  // counterpart is the child of fresh that stands where keep stands in
  // old: the one with its id, or else the one of its kind (tag and form
  // address) at its place among them.
  function counterpart(keep, old, fresh) {
    var kids = Array.prototype.slice.call(fresh.children);
    if (keep.id) return kids.find(function (k) { return k.id === keep.id; }) || null;
    var same = function (a) {
      return a.tagName === keep.tagName && (a.getAttribute("action") || "") === (keep.getAttribute("action") || "");
    };
    var n = Array.prototype.slice.call(old.children).filter(same).indexOf(keep);
    return kids.filter(same)[n] || null;
  }
  // keepOpen opens in fresh the disclosures the person had open in old.
  function keepOpen(old, fresh) {
    var open = [];
    if (old.matches("details[open]")) open.push(old);
    old.querySelectorAll("details[open]").forEach(function (d) { open.push(d); });
    open.forEach(function (d) {
      var s = d.querySelector("summary");
      var key = s ? s.textContent.trim() : null;
      var all = [fresh].concat(Array.prototype.slice.call(fresh.querySelectorAll("details")));
      all.forEach(function (f) {
        if (f.tagName !== "DETAILS") return;
        var fs = f.querySelector("summary");
        if ((d.id && f.id === d.id) || (!d.id && key && fs && fs.textContent.trim() === key)) f.open = true;
      });
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
