// The floor board, live. The server says what changed
// (/api/v1/board/events: server-sent events with ids and no patient data);
// the board then reads itself again through the ordinary, audited page and
// swaps its tiles. After a dropped stream it resumes from its last event
// (the server replays what it missed, or says "resync" and the board reads
// everything); while the server cannot be reached it says so, with the
// time of its last update. Countdowns tick here, from the server's times.
// New urgent and severe alerts can sound once, on a screen that asked.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || !window.EventSource || !window.fetch || !window.DOMParser) return;
  var status = document.getElementById("board-status");
  var cursor = board.getAttribute("data-cursor") || "";
  var skew = 0;
  function setSkew(at) {
    var t = Date.parse(at);
    if (!isNaN(t)) skew = t - Date.now();
  }
  setSkew(board.getAttribute("data-at"));

  // Connection: "live" or "down", shown in words and a sign, never colour
  // alone.
  var down = false, wanted = false;
  function setDown(isDown) {
    if (down === isDown) return;
    down = isDown;
    status.setAttribute("data-state", isDown ? "down" : "live");
    var when = document.getElementById("board-updated");
    var live = document.getElementById("board-live");
    if (isDown) {
      status.setAttribute("role", "alert");
      live.textContent = "⚠ Not connected to the server: showing the board as it was";
      when.previousSibling.textContent = " · last updated ";
    } else {
      status.setAttribute("role", "status");
      live.textContent = "● Live";
      when.previousSibling.textContent = " · updated ";
      if (wanted) refresh();
    }
  }

  var source = null;
  function connect() {
    var url = board.getAttribute("data-events") + (cursor ? "?last_event_id=" + encodeURIComponent(cursor) : "");
    source = new EventSource(url);
    source.addEventListener("error", function () {
      setDown(true);
      if (source.readyState === EventSource.CLOSED) {
        // The server answered with an error (it is restarting): a new
        // stream, from the last event heard.
        source.close();
        setTimeout(connect, 2000);
      }
    });
    ["ready", "visit", "alerts", "floor", "integration", "resync"].forEach(function (t) { source.addEventListener(t, heard); });
  }
  function heard(e) {
    if (e.lastEventId) cursor = e.lastEventId;
    setDown(false);
    if (e.type !== "ready") refresh();
  }

  // Reading the board again: one read at a time, one more if something
  // changed meanwhile.
  var fetching = false, again = false;
  function refresh() {
    wanted = true;
    if (fetching) { again = true; return; }
    fetching = true;
    fetch(window.location.pathname, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (!r.ok || r.redirected) throw new Error("board " + r.status);
        return r.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("board");
        if (!fresh) throw new Error("no board in the page");
        wanted = false;
        board.innerHTML = fresh.innerHTML;
        board.setAttribute("data-at", fresh.getAttribute("data-at"));
        setSkew(fresh.getAttribute("data-at"));
        var when = doc.getElementById("board-updated"), mine = document.getElementById("board-updated");
        if (when && mine) { mine.textContent = when.textContent; mine.setAttribute("datetime", when.getAttribute("datetime")); }
        fired = {};
        tick();
        sound();
        board.dispatchEvent(new CustomEvent("board:updated"));
      })
      .catch(function () { setDown(true); })
      .then(function () { fetching = false; if (again) { again = false; refresh(); } });
  }

  // Countdowns: whole minutes counted up ("min"), or minutes and seconds
  // ("clock"); when one runs out the board reads itself again, since what
  // is due has changed.
  var fired = {};
  function tick() {
    var now = Date.now() + skew;
    board.querySelectorAll("[data-board-until]").forEach(function (el) {
      var at = el.getAttribute("data-board-until"), t = Date.parse(at);
      if (isNaN(t)) return;
      var left = t - now;
      if (el.getAttribute("data-fmt") === "min") {
        el.textContent = Math.max(0, Math.ceil(left / 60000)) + " min";
      } else if (el.getAttribute("data-fmt") === "clock") {
        var s = Math.max(0, Math.ceil(left / 1000));
        el.textContent = Math.floor(s / 60) + ":" + (s % 60 < 10 ? "0" : "") + (s % 60);
      }
      if (left <= 0 && !fired[at]) {
        fired[at] = true;
        setTimeout(refresh, 500);
      }
    });
  }
  tick();
  setInterval(tick, 1000);

  // Sound: opt-in per screen, remembered here; once for each urgent or
  // severe alert not heard before (an alert escalated to urgent counts as
  // new).
  var key = "ketaflow.board.sound";
  var box = document.getElementById("board-sound-box"), check = document.getElementById("board-sound");
  var audio = null, heardAlerts = {};
  function loud() {
    var out = [];
    board.querySelectorAll("[data-loud]").forEach(function (el) { out.push(el.getAttribute("data-alert") + "/" + el.getAttribute("data-severity")); });
    return out;
  }
  loud().forEach(function (k) { heardAlerts[k] = true; });
  function beep() {
    if (!audio) return;
    if (audio.state === "suspended") audio.resume();
    [0, 0.35].forEach(function (start) {
      var o = audio.createOscillator(), g = audio.createGain();
      o.frequency.value = 880;
      g.gain.setValueAtTime(0.2, audio.currentTime + start);
      g.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + start + 0.3);
      o.connect(g); g.connect(audio.destination);
      o.start(audio.currentTime + start); o.stop(audio.currentTime + start + 0.3);
    });
  }
  function sound() {
    var fresh = loud().filter(function (k) { return !heardAlerts[k]; });
    fresh.forEach(function (k) { heardAlerts[k] = true; });
    if (!fresh.length || !check || !check.checked) return;
    beep();
    // What sounded, for whoever checks the screen (and its tests).
    board.setAttribute("data-sounded", ((board.getAttribute("data-sounded") || "") + " " + fresh.join(" ")).trim());
  }
  var Audio = window.AudioContext || window.webkitAudioContext;
  if (box && check && Audio) {
    box.hidden = false;
    var stored = null;
    try { stored = window.localStorage.getItem(key); } catch (e) { stored = null; }
    check.checked = stored === "on";
    if (check.checked) audio = new Audio(); // may wait for a first tap to play
    check.addEventListener("change", function () {
      try { window.localStorage.setItem(key, check.checked ? "on" : "off"); } catch (e) { /* a private window */ }
      if (check.checked && !audio) audio = new Audio();
      if (check.checked) beep(); // the tap lets it play, and says how it sounds
    });
  }

  connect();
})();
