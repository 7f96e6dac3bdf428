// Vite: `npm run build` bundles index.html and src/ into dist/ (served by mgs-server at /, see
// server.static_dir); `npm run dev` serves the client with hot reload and forwards the game's
// endpoints to a running server (MGS_SERVER, default http://127.0.0.1:8080).
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vite';

const server = process.env.MGS_SERVER ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [tailwindcss()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Pixi.js alone is about 500 kB minified; the warning at 500 kB would fire on every build.
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: {
      '/ws': { target: server, ws: true },
      '/map': server,
      '/metrics': server,
    },
  },
});
