// Node's own import(), for loading the app's built main process. A test file's import() goes
// through vitest's module runner; this file is loaded with Node's require (see launch-app.ts),
// so the import below is Node's and module.register's resolve hook answers it.
module.exports = (url) => import(url);
