import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // A self-contained server (.next/standalone/server.js and only the node_modules it uses)
  // that the image runs with plain `node`.
  output: 'standalone',
  // This folder is the project's root: in a NestJS repository Next.js would otherwise pick
  // the repository root (it holds another pnpm-lock.yaml) and nest the standalone server
  // under apps/web/, so the layout would depend on the API's stack.
  outputFileTracingRoot: import.meta.dirname,
  turbopack: { root: import.meta.dirname },
  // No `X-Powered-By: Next.js`: it tells a scanner which exploits to try.
  poweredByHeader: false,
  reactStrictMode: true,
  // Source maps of the browser's code, for the error reports' stack traces: uploaded to
  // Sentry by the deploy workflow where it is configured, and never served (the image
  // leaves them out, Dockerfile).
  productionBrowserSourceMaps: true,
  experimental: {
    // The image runs on a read-only file system. Next.js would otherwise write its cache
    // (regenerated pages, fetch results, optimised images) under .next/, beside the code.
    // Off, pages and fetch results stay in memory (cacheMaxMemorySize, 50 MB by default) and
    // optimised images are not kept: the server writes nothing to disk at run time.
    isrFlushToDisk: false,
  },
};

export default nextConfig;
