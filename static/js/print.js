// The guide's 打印 button (the page prints without it too, with the browser's own menu).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
