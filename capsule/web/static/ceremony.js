/* The ceremony pages, progressive enhancement only (each works without this file):
   - the projector's live count refreshes itself from its fragment URL (data-live-url);
   - sealing shows its progress while the browser waits for the result (data-progress-url):
     the form is submitted as usual, and this script only polls and draws a bar meanwhile;
   - the custodian cards get a Print button (data-print). */
(function () {
  "use strict";

  var LIVE_EVERY = 5000;
  var PROGRESS_EVERY = 700;

  function refreshLive(box) {
    var url = box.getAttribute("data-live-url");
    var reloadOn = (box.getAttribute("data-reload-on") || "").split(" ");
    window.setInterval(function () {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } }).then(function (response) {
        if (!response.ok || response.redirected) { return null; }
        return response.text();
      }).then(function (text) {
        if (!text) { return; }
        var fresh = new DOMParser().parseFromString(text, "text/html").querySelector(".live-grid");
        if (!fresh) { return; }
        if (reloadOn.indexOf(fresh.getAttribute("data-state")) >= 0) {
          window.location.reload();  // sealed meanwhile (e.g. from another screen)
          return;
        }
        box.replaceChildren(document.adoptNode(fresh));
      }).catch(function () { /* offline for a moment: the next round tries again */ });
    }, LIVE_EVERY);
  }

  function showProgress(form) {
    var url = form.getAttribute("data-progress-url");
    var panel = form.querySelector("[data-progress]");
    var text = form.querySelector("[data-progress-text]");
    var bar = form.querySelector("progress");
    form.addEventListener("submit", function () {
      // No preventDefault: the browser posts the form and shows the answer when it comes.
      var button = form.querySelector("button[type=submit]");
      window.setTimeout(function () { if (button) { button.disabled = true; } }, 0);
      panel.hidden = false;
      window.setInterval(function () {
        fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (state) {
            if (!state || !state.phase) { return; }
            var label = text.getAttribute("data-phase-" + state.phase);
            if (label) { text.textContent = label; }
            if (state.total > 0) {
              bar.max = state.total;
              bar.value = state.done;
            }
          }).catch(function () { /* the seal goes on; only the bar waits */ });
      }, PROGRESS_EVERY);
    });
  }

  function setUpPrint(button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
    Array.prototype.forEach.call(document.querySelectorAll(".no-script-hint"), function (hint) { hint.hidden = true; });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-live-url]"), refreshLive);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-progress-url]"), showProgress);
    Array.prototype.forEach.call(document.querySelectorAll("button[data-print]"), setUpPrint);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
