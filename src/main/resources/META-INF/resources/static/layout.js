// Every table of a page scrolls sideways inside its own box when it is wider than the screen, so the page itself
// never does (phones): a table not yet in a .scroll box gets one. The box can take the keyboard focus (tabindex 0)
// so that keyboard users can scroll it too, and is a region named by the table's caption or section heading.
(function () {
  'use strict';
  document.querySelectorAll('main table').forEach(table => {
    if (table.parentElement.classList.contains('scroll')) return;
    const box = document.createElement('div');
    box.className = 'scroll';
    box.tabIndex = 0;
    box.setAttribute('role', 'region');
    const section = table.closest('section');
    const heading = section && section.querySelector('h1, h2, h3');
    const name = (table.caption && table.caption.textContent) || (heading && heading.textContent) || 'Table';
    box.setAttribute('aria-label', name.trim() + ' (table)');
    table.before(box);
    box.append(table);
  });
})();
