/* sphinx-runbook: copy buttons for command blocks.
   The text copied is the command as the build extracted it (prompts and
   output removed), from the block's data-runbook-copy attribute. Buttons are
   added here, so pages read without JavaScript show no dead buttons. */
(function () {
  "use strict";

  var ARM_TIMEOUT_MS = 5000;
  var RESET_MS = 2000;

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // file:// pages and plain http have no async clipboard.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  function setState(button, state, label) {
    button.dataset.state = state;
    button.textContent = label;
  }

  function addButton(block) {
    var destructive = block.dataset.runbookDestructive === "true";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "runbook-copy";
    button.setAttribute("aria-label", destructive ? "Copy destructive command" : "Copy command");
    var status = document.createElement("span");
    status.className = "runbook-visually-hidden";
    status.setAttribute("role", "status");
    setState(button, "idle", "Copy");
    var disarm = null;

    button.addEventListener("click", function () {
      if (destructive && button.dataset.state !== "armed") {
        setState(button, "armed", "Click again to copy");
        status.textContent = "Destructive command: click again to copy it.";
        clearTimeout(disarm);
        disarm = setTimeout(function () { setState(button, "idle", "Copy"); }, ARM_TIMEOUT_MS);
        return;
      }
      clearTimeout(disarm);
      copyText(block.dataset.runbookCopy).then(function () {
        setState(button, "copied", "Copied");
        status.textContent = "Command copied.";
      }, function () {
        setState(button, "failed", "Copy failed");
        status.textContent = "Copy failed: select the command and copy it by hand.";
      }).then(function () {
        setTimeout(function () { setState(button, "idle", "Copy"); }, RESET_MS);
      });
    });
    block.insertBefore(status, block.firstChild);
    block.insertBefore(button, block.firstChild);
  }

  // Filter boxes for the runbook-commands and runbook-symptoms listings: every
  // word typed must appear in a row (or list item) for it to stay visible.
  function addFilter(listing) {
    var symptoms = listing.classList.contains("runbook-listing-symptoms");
    var items = Array.prototype.slice.call(
      listing.querySelectorAll(symptoms ? "li" : "tbody tr"));
    var label = document.createElement("label");
    label.className = "runbook-filter";
    label.textContent = symptoms ? "Find a symptom " : "Filter commands ";
    var input = document.createElement("input");
    input.type = "search";
    input.placeholder = symptoms ? "error message, behaviour..." : "program, runbook, safety...";
    var count = document.createElement("span");
    count.className = "runbook-filter-count";
    count.setAttribute("aria-live", "polite");
    label.appendChild(input);
    listing.insertBefore(count, listing.firstChild);
    listing.insertBefore(label, listing.firstChild);

    function apply() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (item) {
        var text = item.textContent.toLowerCase();
        var keep = words.every(function (word) { return text.indexOf(word) !== -1; });
        item.hidden = !keep;
        if (keep) { shown += 1; }
      });
      count.textContent = shown + " of " + items.length + " shown";
    }
    input.addEventListener("input", apply);
    apply();
  }

  function init() {
    document.querySelectorAll("[data-runbook-copy]").forEach(addButton);
    document.querySelectorAll(".runbook-listing").forEach(addFilter);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
