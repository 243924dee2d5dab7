// Literal path segments are lower kebab-case; collection segments are plural.
// A segment is a collection when a `{parameter}` follows it, or when it ends a path whose
// GET is a `list_` operation. Options: literalSegments (kept as-is, e.g. file names) and
// uncountable (nouns that are their own plural).
const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const PARAM = /^\{[^{}]+\}$/;

module.exports = function pathSegments(paths, options) {
  const literal = new Set((options && options.literalSegments) || []);
  const uncountable = new Set((options && options.uncountable) || []);
  const results = [];
  if (!paths || typeof paths !== 'object') return results;
  for (const [path, item] of Object.entries(paths)) {
    const segments = path.split('/').slice(1);
    segments.forEach((segment, index) => {
      if (PARAM.test(segment) || literal.has(segment)) return;
      if (!KEBAB.test(segment)) {
        results.push({
          message: `Path segment \`${segment}\` of \`${path}\` is not lower kebab-case.`,
          path: ['paths', path],
        });
        return;
      }
      const next = segments[index + 1];
      const last = index === segments.length - 1;
      const listed = last && item && item.get && /^list_/.test(item.get.operationId || '');
      const collection = (next !== undefined && PARAM.test(next)) || listed;
      const word = segment.split('-').pop();
      if (collection && !uncountable.has(word) && !/[^s]s$/.test(word)) {
        results.push({
          message: `Collection segment \`${segment}\` of \`${path}\` is not plural.`,
          path: ['paths', path],
        });
      }
    });
  }
  return results;
};
