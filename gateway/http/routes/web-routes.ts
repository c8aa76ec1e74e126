import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import type { HttpDeps } from '../deps.js';
import { errorText, type GatewayErrorCode, ZH } from '../../errors/gateway-errors.js';

/** Where the web UI's files are: `pages/` (HTML templates) and `assets/` (CSS, ES modules, icons). */
export const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

/** Each page's path and its template in `pages/`. */
export const WEB_PAGES = {
  '/': 'index.html',
  '/console': 'console.html',
  '/board': 'board.html',
  '/map': 'map.html',
  '/family': 'family.html',
  '/doctor': 'doctor.html',
} as const;

/** Leaflet's own files (the map's streets, from a configured tile source), served from node_modules. */
export const LEAFLET_DIR = path.join(path.dirname(createRequire(import.meta.url).resolve('leaflet/package.json')), 'dist');

/**
 * The origin a tile template loads from, for the content security policy: `{s}` subdomains
 * become a wildcard. Exported for the tests.
 */
export function tileOrigin(template: string): string {
  const url = new URL(template.replace(/\{s\}\./, 'SUBDOMAIN.').replace(/\{[a-z]+\}/gi, '0'));
  return `${url.protocol}//${url.host.replace('subdomain.', '*.')}`;
}

/**
 * Everything a page may load comes from this gateway (and map tiles from the one configured tile
 * source): no CDN, no web fonts. The browser enforces it, so a stray external URL fails loudly
 * instead of leaking a request.
 */
export function contentSecurityPolicy(tiles: { url: string } | null | undefined): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data:${tiles === null || tiles === undefined ? '' : ` ${tileOrigin(tiles.url)}`}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Each registered error code's text in English and Chinese, for the pages to show a person the
 * sentence for a failed call's code rather than the server's English message.
 */
export function errorTextsJson(): string {
  const texts: Record<string, { en: string; zh: string }> = {};
  for (const code of Object.keys(ZH) as GatewayErrorCode[]) texts[code] = errorText(code);
  return JSON.stringify(texts);
}

/** Served beside the assets (under their version): the pages' error texts (errorTextsJson). */
export const ERROR_TEXTS_FILE = 'error-texts.json';

export interface WebUi {
  /** A hash of every asset: part of the asset URLs, so a changed file is a new URL. */
  version: string;
  assetsDir: string;
  pages: Map<string, { html: string; etag: string }>;
}

function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((name) => statSync(path.join(dir, name)).isFile())
    .sort();
}

function escapeAttribute(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Reads the UI once at start: the asset version, and each page with its asset URLs filled in. */
export function loadWebUi(root: string, settings: { timeZone: string }): WebUi {
  const assetsDir = path.join(root, 'assets');
  const hash = createHash('sha256');
  for (const name of filesUnder(assetsDir)) {
    hash.update(name.split(path.sep).join('/')).update('\0').update(readFileSync(path.join(assetsDir, name))).update('\0');
  }
  // Leaflet is served under the same versioned path: a new Leaflet is a new URL too.
  hash.update(readFileSync(path.join(LEAFLET_DIR, 'leaflet-src.esm.js')));
  hash.update(errorTextsJson());
  const version = hash.digest('hex').slice(0, 12);
  const pages = new Map<string, { html: string; etag: string }>();
  for (const [route, file] of Object.entries(WEB_PAGES)) {
    const html = readFileSync(path.join(root, 'pages', file), 'utf8')
      .replaceAll('{{assets}}', `/assets/${version}`)
      .replaceAll('{{timeZone}}', escapeAttribute(settings.timeZone));
    pages.set(route, { html, etag: `"${createHash('sha256').update(html).digest('base64url').slice(0, 16)}"` });
  }
  return { version, assetsDir, pages };
}

/**
 * The web UI, served by the gateway itself: the pages (no-cache, revalidated by ETag) and the
 * assets under a versioned path (cached for a year, immutable). Both are public: the pages hold no
 * data, and every API call they make carries the signed-in person's token.
 */
export const webRoutes: FastifyPluginAsync<HttpDeps> = async (app, deps) => {
  const ui = loadWebUi(WEB_ROOT, { timeZone: deps.timeZone });
  const policy = contentSecurityPolicy(deps.mapTiles);

  for (const [route, page] of ui.pages) {
    app.get(route, { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
      reply
        .header('cache-control', 'no-cache')
        .header('etag', page.etag)
        .header('content-security-policy', policy)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer');
      if (request.headers['if-none-match'] === page.etag) return reply.status(304).send();
      return reply.type('text/html; charset=utf-8').send(page.html);
    });
  }

  const errorTexts = errorTextsJson();
  app.get(`/assets/${ui.version}/${ERROR_TEXTS_FILE}`, { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .type('application/json; charset=utf-8')
      .send(errorTexts),
  );

  await app.register(async (assets) => {
    // @fastify/static adds its own routes; they are public like the pages.
    assets.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true };
    });
    await assets.register(fastifyStatic, {
      root: ui.assetsDir,
      prefix: `/assets/${ui.version}/`,
      decorateReply: false,
      index: false,
      dotfiles: 'deny',
      cacheControl: true,
      maxAge: '365d',
      immutable: true,
      etag: true,
      lastModified: false,
      setHeaders: (res) => {
        res.setHeader('x-content-type-options', 'nosniff');
      },
    });
    await assets.register(fastifyStatic, {
      root: LEAFLET_DIR,
      prefix: `/assets/${ui.version}/leaflet/`,
      decorateReply: false,
      index: false,
      dotfiles: 'deny',
      cacheControl: true,
      maxAge: '365d',
      immutable: true,
      etag: true,
      lastModified: false,
      // Its source maps and the old UMD builds stay unserved.
      allowedPath: (pathName) => /^\/?(leaflet-src\.esm\.js|leaflet\.css|images\/[a-z-]+(-2x)?\.png)$/.test(pathName),
      setHeaders: (res) => {
        res.setHeader('x-content-type-options', 'nosniff');
      },
    });
  });
};
