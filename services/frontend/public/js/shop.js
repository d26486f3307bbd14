// Progressive enhancement only: every page works without this script.
// A form marked data-submit-once disables its button after the first submit, so a
// double click on "Place order" sends one checkout (order-service would also refuse
// the second one, but the shopper would then see a confusing error instead of the order).
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-submit-once')) return;
  if (form.dataset.submitted === 'true') {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = 'true';
  for (const button of form.querySelectorAll('button[type="submit"]')) {
    button.setAttribute('aria-disabled', 'true');
    button.dataset.label = button.textContent;
    if (button.dataset.pendingLabel) button.textContent = button.dataset.pendingLabel;
  }
});

// Coming back with the browser's Back button restores the page as it was left: re-arm the forms.
window.addEventListener('pageshow', (event) => {
  if (!event.persisted) return;
  for (const form of document.querySelectorAll('form[data-submit-once]')) {
    delete form.dataset.submitted;
    for (const button of form.querySelectorAll('button[type="submit"]')) {
      button.removeAttribute('aria-disabled');
      if (button.dataset.label) button.textContent = button.dataset.label;
    }
  }
});
