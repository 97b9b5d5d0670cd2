// Renders the service's own contract, /openapi.json, with Swagger UI
// (swagger-ui-bundle.js, loaded before this file). It is a file of its own,
// not an inline script, so the page's Content-Security-Policy can allow
// scripts from the server only.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    displayRequestDuration: true,
    // No badge from validator.swagger.io: the page talks to this server only.
    validatorUrl: null,
  });
});
