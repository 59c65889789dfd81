"""Put the scripts that draw saved widget state in the static site (require.js and the Jupyter
widgets HTML manager, with the icon fonts it loads) into book/vendor, from the npm registry,
checked against their published sha512.

The site then loads them from itself instead of a CDN, so every page works offline. Run by
`make install`; does nothing when the files are already there.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VENDOR = Path(__file__).resolve().parent / "vendor"
STATIC = VENDOR / "static"  # html_static_path: served as the site's _static/
# html_extra_path: the manager asks for its fonts next to the page, under this folder
FONTS = VENDOR / "extra" / "notebooks" / "@jupyter-widgets" / "html-manager" / "dist"

# tarball, its npm "integrity" (sha512), and which of its files go where
PACKAGES = [
    (
        "https://registry.npmjs.org/requirejs/-/requirejs-2.3.4.tgz",
        "qPD5gRrj6kGQ0ZySAJgqbArkaDqPMbQIT0zSZDkIv1mfA17w/tR2Faq5l2qqRf2CdQx6FWln9nUrgd2UDzb19A==",
        [("package/require.js", STATIC)],
    ),
    (
        "https://registry.npmjs.org/@jupyter-widgets/html-manager/-/html-manager-1.0.6.tgz",
        "+Mn+Ra8wyIHrYaUpfmf9A3dsLkt/NuwzPQN8sthdxBD35VV5cOJbpmgMhNR27n/rmP3mKyEe0PWCJrtZrXTXDQ==",
        [("package/dist/embed-amd.js", STATIC)]
        + [(f"package/dist/*.{ext}", FONTS) for ext in ("woff2", "woff", "ttf", "eot", "svg")],
    ),
]


def fetch(url: str, integrity: str) -> bytes:
    """The tarball at ``url``; SystemExit naming the problem if it cannot be fetched or differs."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            data = response.read()
    except OSError as err:
        sys.exit(f"could not download {url} ({err}); the npm registry must be reachable")
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != integrity:
        sys.exit(f"{url} has sha512 {digest}, expected {integrity}: refusing to use it")
    return data


def main() -> None:
    done = VENDOR / ".complete"
    if done.exists():
        return
    for url, integrity, wanted in PACKAGES:
        with tarfile.open(fileobj=io.BytesIO(fetch(url, integrity)), mode="r:gz") as archive:
            for member in archive.getmembers():
                for pattern, folder in wanted:
                    if member.isfile() and fnmatch.fnmatch(member.name, pattern):
                        folder.mkdir(parents=True, exist_ok=True)
                        name = Path(member.name).name
                        (folder / name).write_bytes(archive.extractfile(member).read())
        print(f"book/vendor: files from {url}")
    done.touch()


if __name__ == "__main__":
    main()
