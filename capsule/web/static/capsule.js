/* Progressive enhancement only: every page works without this file.
   - "Copy" buttons next to read-only links (invitations, receipts): shown only when this runs.
   - The error summary of a form gets the focus, so screen readers announce it first. */
(function () {
  "use strict";

  function announce(button, text) {
    var original = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", original);
    button.textContent = text;
    window.setTimeout(function () { button.textContent = original; }, 2000);
  }

  function fallbackCopy(input) {
    input.focus();
    input.select();
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }

  function setUpCopy(button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) { return; }
    var live = document.createElement("span");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    button.parentNode.appendChild(live);
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () {
        var text = button.getAttribute("data-copied") || "Copied";
        announce(button, text);
        live.textContent = text;
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { if (fallbackCopy(input)) { done(); } });
      } else if (fallbackCopy(input)) {
        done();
      }
    });
    // A click in the field selects the whole link, ready for Ctrl+C.
    input.addEventListener("focus", function () { input.select(); });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), setUpCopy);
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
