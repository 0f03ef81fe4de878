// Builds the single-page UI into argus/web/ui/static, which argus/web/ui/pages.py serves.
// `base: "./"` keeps every asset URL relative, so the UI works under any route prefix.
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  build: {
    outDir: "../../argus/web/ui/static",
    emptyOutDir: true,
    target: "es2022",
    reportCompressedSize: true,
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:9090" },
  },
});
