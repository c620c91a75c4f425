// Forms with data-confirm ask before they submit (no inline handlers: the pages keep a strict CSP).
document.addEventListener("submit", (event) => {
  const question = event.target.dataset ? event.target.dataset.confirm : "";
  if (question && !window.confirm(question)) event.preventDefault();
});
