// Whether auto may pick uv: the download host's name must resolve (no
// connection is made), except where pybp can't tell (a proxy) or nothing is
// remote (a file list, an IP address).
import { describe, expect, it } from 'vitest';
import { uvDownloadHost, uvDownloadReach } from '../../../src/engine/python-source/uv-download-reach.js';

describe('uvDownloadHost', () => {
  it("is GitHub for uv's own list, else the mirror's or the list URL's host; null for a local file", () => {
    expect(uvDownloadHost({})).toBe('github.com');
    expect(uvDownloadHost({ mirror: 'https://mirror.example.com/pbs', downloadsJsonUrl: 'https://other.example/list.json' })).toBe('mirror.example.com');
    expect(uvDownloadHost({ downloadsJsonUrl: 'https://lists.example:8443/x.json' })).toBe('lists.example');
    expect(uvDownloadHost({ downloadsJsonUrl: '/srv/downloads.json' })).toBeNull();
    expect(uvDownloadHost({ mirror: 'file:///srv/pbs' })).toBeNull();
    expect(uvDownloadHost({ mirror: 'http://[::1]:8000/pbs' })).toBe('::1');
  });
});

describe('uvDownloadReach', () => {
  const names: string[] = [];
  const resolver = (answer: 'ok' | 'fail' | 'hang') => async (host: string) => {
    names.push(host);
    if (answer === 'ok') return { address: '192.0.2.1' };
    if (answer === 'fail') throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    return new Promise(() => {});
  };

  it('resolves the host: yes when it resolves, no (with the host and the cause) when it does not', async () => {
    names.length = 0;
    expect(await uvDownloadReach({}, {}, resolver('ok'))).toEqual({ reachable: true });
    expect(await uvDownloadReach({}, {}, resolver('fail'))).toEqual({ reachable: false, why: "its download host github.com can't be resolved from this machine (ENOTFOUND)" });
    expect(names).toEqual(['github.com', 'github.com']);
  });

  it('a resolver that does not answer counts as no', async () => {
    const r = await uvDownloadReach({ mirror: 'https://slow.example/pbs' }, {}, resolver('hang'));
    expect(r).toEqual({ reachable: false, why: "its download host slow.example can't be resolved from this machine (no answer within 2 s)" });
  });

  it('asks nothing behind a proxy, for an IP address or localhost, or for a local file list', async () => {
    names.length = 0;
    const fail = resolver('fail');
    expect(await uvDownloadReach({}, { HTTPS_PROXY: 'http://proxy:3128' }, fail)).toEqual({ reachable: true });
    expect(await uvDownloadReach({}, { all_proxy: 'socks5://proxy:1080' }, fail)).toEqual({ reachable: true });
    expect(await uvDownloadReach({ downloadsJsonUrl: 'http://127.0.0.1:8000/list.json' }, {}, fail)).toEqual({ reachable: true });
    expect(await uvDownloadReach({ mirror: 'http://localhost:8000/pbs' }, {}, fail)).toEqual({ reachable: true });
    expect(await uvDownloadReach({ downloadsJsonUrl: '/srv/list.json' }, {}, fail)).toEqual({ reachable: true });
    expect(names).toEqual([]);
  });
});
