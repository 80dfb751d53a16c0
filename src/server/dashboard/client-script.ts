/**
 * The dashboard's only script, served as a file (the Content-Security-Policy allows no
 * inline script). Every page works without it: it only makes filters apply on change, puts
 * `/` on the search box, copies ids, and keeps report links in step with the period chosen.
 * It never reads a token (the session cookie is HttpOnly) and never builds HTML from text.
 */
export const CLIENT_SCRIPT = `'use strict';
(function () {
  document.querySelectorAll('[data-autosubmit]').forEach(function (el) {
    el.addEventListener('change', function () {
      if (el.form) el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    });
  });

  document.addEventListener('keydown', function (event) {
    if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT')) return;
    var search = document.getElementById('q');
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  });

  document.querySelectorAll('[data-copy]').forEach(function (button) {
    button.addEventListener('click', function () {
      var text = button.getAttribute('data-copy') || '';
      if (!navigator.clipboard) return;
      navigator.clipboard.writeText(text).then(function () {
        var before = button.textContent;
        button.textContent = 'Copied';
        setTimeout(function () { button.textContent = before; }, 1200);
      });
    });
  });

  var scope = document.getElementById('report-scope');
  if (scope) {
    var update = function () {
      var data = new FormData(scope);
      document.querySelectorAll('a[data-report]').forEach(function (link) {
        var url = new URL(link.getAttribute('href'), window.location.href);
        ['repo', 'since', 'until'].forEach(function (name) {
          var value = data.get(name);
          if (value) url.searchParams.set(name, String(value));
          else url.searchParams.delete(name);
        });
        link.setAttribute('href', url.pathname + url.search);
      });
    };
    scope.addEventListener('change', update);
    scope.addEventListener('input', update);
  }
})();
`;
