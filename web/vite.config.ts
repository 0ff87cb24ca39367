import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { ROUTES } from '../functions/catalog.ts';

const ROUTES_MODULE = 'virtual:dangan-routes';

/**
 * The route table of the same commit, as data: the console shows a page only when the API it
 * needs exists and the user's groups may call it. Only methods, paths and roles are published.
 */
function routeTable(): Plugin {
  return {
    name: 'dangan-routes',
    resolveId: (id) => (id === ROUTES_MODULE ? `\0${ROUTES_MODULE}` : undefined),
    load(id) {
      if (id !== `\0${ROUTES_MODULE}`) return undefined;
      const routes = ROUTES.map((r) => ({ method: r.method, path: r.path, roles: r.roles }));
      return `export const ROUTES = ${JSON.stringify(routes)};`;
    },
  };
}

/**
 * The console: a single-page app built into web/dist. It is served at `/` (by CloudFront on
 * AWS, by the local gateway on this machine) and reads `config.json` beside it at start, so one
 * build runs against any deployment.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset URLs: the same build works at any path.
  base: './',
  plugins: [routeTable()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // One small bundle; the console has no heavy dependency.
    chunkSizeWarningLimit: 200,
  },
});
