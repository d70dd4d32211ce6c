// Behaviour every page shares, as a static file (the Content-Security-Policy allows no
// inline event handlers):
// - [data-autosubmit]: a select that submits its form when changed (language switch);
// - [data-print]: a button that prints the page;
// - a[data-export]: a list's "Export CSV" link follows the query of the rows shown, so
//   that the export is exactly the filtered list (htmx swaps only the rows).
(function () {
  if (window.kehuPage) return;
  window.kehuPage = true;

  document.addEventListener("change", (event) => {
    const field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) field.form.submit();
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });

  function listPath(link) {
    const form = link.closest("form");
    const source = form && (form.getAttribute("hx-get") || form.getAttribute("action"));
    return new URL(source || window.location.pathname, window.location.href).pathname;
  }

  function follow(link, url) {
    const params = new URLSearchParams(url.search);
    params.delete("page");
    const query = params.toString();
    link.href = link.dataset.export + (query ? "?" + query : "");
  }

  document.addEventListener("htmx:afterRequest", (event) => {
    const detail = event.detail;
    if (!detail.successful || !detail.requestConfig || detail.requestConfig.verb !== "get") return;
    const path = detail.pathInfo.finalRequestPath || detail.pathInfo.requestPath;
    const url = new URL(path, window.location.href);
    document.querySelectorAll("a[data-export]").forEach((link) => {
      if (listPath(link) === url.pathname) follow(link, url);
    });
  });
})();
