import { defineConfig } from 'vite';

// In production the gateway serves dist/ and owns /api, /hubs and /account on the
// same origin. For `npm run dev`, set LIAISON_GATEWAY (e.g. https://localhost:5001)
// to forward those paths so the page still sees a single origin.
const gateway = process.env.LIAISON_GATEWAY;
const forward = gateway ? { target: gateway, secure: false } : undefined;

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      onwarn(warning, warn) {
        // @microsoft/signalr ships /*#__PURE__*/ comments in positions Rollup ignores;
        // the warning is noise about a dependency, not about this code.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('@microsoft/signalr')) return;
        warn(warning);
      },
    },
  },
  server: forward
    ? {
        proxy: {
          '/api': forward,
          '/account': forward,
          '/hubs': { ...forward, ws: true },
        },
      }
    : {},
});
