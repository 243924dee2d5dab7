// The copy button of the shown-once secret. A file, not inline script: the pages' CSP allows
// scripts from this origin only.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("copy-button");
  if (!button) return;
  var status = document.getElementById("copy-status");
  var target = document.getElementById(button.getAttribute("data-copy-target"));
  function selectSecret() {
    var range = document.createRange();
    range.selectNodeContents(target);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  button.addEventListener("click", function () {
    var text = target.textContent.trim();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () {
        button.textContent = "Copied";
        status.textContent = "The key is on your clipboard.";
      }, function () {
        selectSecret();
        status.textContent = "Press Ctrl+C (⌘C) to copy the selected key.";
      });
    } else {
      selectSecret();
      status.textContent = "Press Ctrl+C (⌘C) to copy the selected key.";
    }
  });
});
