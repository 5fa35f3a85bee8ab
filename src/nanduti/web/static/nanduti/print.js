// The report page's print button; a script file because the content security policy
// runs no inline or javascript: code.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
