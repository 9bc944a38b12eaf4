/* Borgerblik on a shared tablet (the kiosk link): when no one has used the page for a few
   minutes, ask whether anyone is still answering, then go back to the start, which clears
   everything. The server forgets an idle kiosk on its own as well; this only makes the
   screen follow. A static file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  var body = document.body;
  var seconds = parseInt(body.getAttribute("data-kiosk-seconds"), 10);
  var warning = parseInt(body.getAttribute("data-kiosk-warning"), 10) || 0;
  var url = body.getAttribute("data-kiosk-url");
  if (!seconds || !url) {
    return;
  }
  var box = document.getElementById("kiosk-warning");
  var stay = document.getElementById("kiosk-stay");
  var warnTimer = null;
  var leaveTimer = null;

  function leave() {
    window.location.replace(url);
  }

  function warn() {
    if (!box) {
      return;
    }
    box.hidden = false;
    if (stay) {
      stay.focus({ preventScroll: true });
    }
  }

  function restart() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(leaveTimer);
    if (box) {
      box.hidden = true;
    }
    if (warning > 0 && warning < seconds) {
      warnTimer = window.setTimeout(warn, (seconds - warning) * 1000);
    }
    leaveTimer = window.setTimeout(leave, seconds * 1000);
  }

  ["pointerdown", "keydown", "input", "scroll", "touchstart"].forEach(function (name) {
    window.addEventListener(name, restart, { passive: true });
  });
  if (stay) {
    stay.addEventListener("click", restart);
  }
  restart();
})();
