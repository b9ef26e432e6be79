import { Controller, Get, Header, NotFoundException, Param, Redirect, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Public } from '../auth/auth.decorators';

/** apps/api/public, found from here both in the sources and in the compiled dist/ tree. */
function publicDir(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'apps', 'api', 'public');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  throw new Error('apps/api/public not found');
}

interface Asset {
  type: string;
  body: string;
}

function loadAssets(): Map<string, Asset> {
  const dir = publicDir();
  const uplot = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  return new Map<string, Asset>([
    [
      'index',
      { type: 'text/html; charset=utf-8', body: readFileSync(join(dir, 'index.html'), 'utf8') },
    ],
    [
      'dashboard.css',
      { type: 'text/css; charset=utf-8', body: readFileSync(join(dir, 'dashboard.css'), 'utf8') },
    ],
    [
      'dashboard.js',
      {
        type: 'text/javascript; charset=utf-8',
        body: readFileSync(join(dir, 'dashboard.js'), 'utf8'),
      },
    ],
    [
      'vendor/uPlot.iife.min.js',
      {
        type: 'text/javascript; charset=utf-8',
        body: readFileSync(join(uplot, 'uPlot.iife.min.js'), 'utf8'),
      },
    ],
    [
      'vendor/uPlot.min.css',
      { type: 'text/css; charset=utf-8', body: readFileSync(join(uplot, 'uPlot.min.css'), 'utf8') },
    ],
  ]);
}

/**
 * The dashboard shell: static files with no data in them, so no key is needed to load them; the
 * page asks for a key and sends it with every API call. uPlot is served from node_modules.
 */
@ApiExcludeController()
@Public()
@Controller()
export class DashboardController {
  private readonly assets = loadAssets();

  @Get()
  @Redirect('/dashboard', 302)
  root(): void {}

  @Get('dashboard')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  page(): string {
    return this.assets.get('index')!.body;
  }

  @Get('dashboard/dashboard.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  css(): string {
    return this.assets.get('dashboard.css')!.body;
  }

  @Get('dashboard/dashboard.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  script(): string {
    return this.assets.get('dashboard.js')!.body;
  }

  @Get('dashboard/vendor/:file')
  vendor(
    @Param('file') file: string,
    @Res({ passthrough: true }) res: { type(t: string): void },
  ): string {
    const a = this.assets.get(`vendor/${file}`);
    if (!a) throw new NotFoundException(`no asset ${file}`);
    res.type(a.type);
    return a.body;
  }
}
