// `x-trax-required-scope` is `resource:action`, or `none` exactly when the operation needs
// no key (its own `security: []`, or no top-level security at all).
const SCOPE = /^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*$/;

module.exports = function operationScope(operation, _options, context) {
  if (!operation || typeof operation !== 'object') return [];
  const root = (context.document && context.document.data) || {};
  const security = Array.isArray(operation.security) ? operation.security : root.security || [];
  const isPublic = security.length === 0;
  const scope = operation['x-trax-required-scope'];
  const path = [...context.path, 'x-trax-required-scope'];
  if (typeof scope !== 'string' || scope === '') {
    return [{ message: 'Operation lacks `x-trax-required-scope`.', path: context.path }];
  }
  if (isPublic && scope !== 'none') {
    return [{ message: `A public operation (security: []) must have scope \`none\`, not \`${scope}\`.`, path }];
  }
  if (!isPublic && !SCOPE.test(scope)) {
    return [{ message: `Scope \`${scope}\` of an authenticated operation is not \`resource:action\`.`, path }];
  }
  return [];
};
