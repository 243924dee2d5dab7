// Every operation declares each error it can return, each in the one Error envelope.
const MUTATING = new Set(['post', 'put', 'patch', 'delete']);

function isErrorEnvelope(schema) {
  const detail = schema && schema.properties && schema.properties.error;
  const fields = (detail && detail.properties) || {};
  return (
    Array.isArray(schema.required) && schema.required.includes('error') &&
    ['code', 'message', 'requestId'].every((f) => f in fields)
  );
}

module.exports = function errorResponses(operation, _options, context) {
  if (!operation || typeof operation !== 'object') return [];
  const [, pathKey, method] = context.path;
  const root = (context.document && context.document.data) || {};
  const security = Array.isArray(operation.security) ? operation.security : root.security || [];
  const responses = operation.responses || {};
  const parameters = (operation.parameters || []).filter((p) => p && p.in !== 'header');
  const hasPathParameter = /\{[^}]+\}/.test(String(pathKey));

  const required = new Map([['500', 'every operation can fail on our side']]);
  if (security.length > 0) {
    required.set('401', 'it needs a key');
    required.set('403', 'it needs a scope');
    required.set('429', 'keys are rate limited');
  }
  if (parameters.length > 0 || hasPathParameter || operation.requestBody) {
    required.set('400', 'it takes parameters or a body');
  }
  if (hasPathParameter) required.set('404', 'its path names a resource');
  if (operation.requestBody) {
    required.set('413', 'it takes a body');
    required.set('415', 'it takes a JSON body');
  }
  if (MUTATING.has(String(method))) required.set('503', 'it mutates (write flag)');

  const results = [];
  for (const [status, why] of required) {
    if (!(status in responses)) {
      results.push({
        message: `Missing the ${status} error response (${why}).`,
        path: [...context.path, 'responses'],
      });
    }
  }
  for (const [status, response] of Object.entries(responses)) {
    if (!/^[45]/.test(status) || !response) continue;
    const media = response.content && response.content['application/json'];
    if (!media || !isErrorEnvelope(media.schema || {})) {
      results.push({
        message: `The ${status} response does not use the Error envelope.`,
        path: [...context.path, 'responses', status],
      });
    }
  }
  return results;
};
