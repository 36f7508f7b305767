// Swagger UI on the generated OpenAPI document (served from app/static/dist/swagger, never a CDN).
(function () {
  var el = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({ url: el.getAttribute('data-spec'), dom_id: '#swagger-ui', deepLinking: true,
    persistAuthorization: true });
})();
