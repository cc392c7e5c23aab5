// Inline validation for forms marked novalidate with .field blocks (the waitlist form): on submit (and when a
// filled field is left invalid), each field's message goes in its .field-error paragraph (named by aria-describedby) and the field gets
// aria-invalid; the first invalid field takes the focus. The server checks the same rules and renders the same way
// when scripts are off.
(function () {
  'use strict';
  const MESSAGES = {
    valueMissing: label => label + ' is required.',
    typeMismatch: () => 'That does not look like an email address.',
    tooLong: (label, el) => label + ' must be at most ' + el.maxLength + ' characters.',
  };

  function labelOf(el) {
    const label = el.labels && el.labels[0];
    return label ? label.firstChild.textContent.trim() : el.name;
  }

  function check(el) {
    const box = document.getElementById(el.getAttribute('aria-describedby'));
    if (!box) return true;
    let message = '';
    for (const kind of Object.keys(MESSAGES)) {
      if (el.validity[kind]) {
        message = MESSAGES[kind](labelOf(el), el);
        break;
      }
    }
    box.textContent = message;
    if (message) el.setAttribute('aria-invalid', 'true'); else el.removeAttribute('aria-invalid');
    return !message;
  }

  document.querySelectorAll('form[novalidate] .field').forEach(field => {
    const form = field.closest('form');
    if (form.dataset.inlineValidation) return;
    form.dataset.inlineValidation = 'on';
    form.addEventListener('submit', event => {
      const fields = Array.from(form.querySelectorAll('.field input, .field textarea'));
      const invalid = fields.filter(el => !check(el));
      if (invalid.length) {
        event.preventDefault();
        invalid[0].focus();
      }
    });
    // A shown message goes as soon as the field is fixed (while typing, not on leaving it: a message vanishing on
    // blur moves the button under a pointer that is pressing it). A new message shows when a filled field is left.
    form.addEventListener('input', event => {
      if (event.target.getAttribute('aria-invalid') === 'true') check(event.target);
    });
    form.addEventListener('focusout', event => {
      const el = event.target;
      if (el.matches('.field input, .field textarea') && el.value !== '' && !el.checkValidity()) check(el);
    });
  });
})();
