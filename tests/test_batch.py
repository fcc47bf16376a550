"""`distill-pdf batch`: discovery, drafts, selection, sharding, failures, the build cache,
races, the combined PDF, and (marked slow) the real tansanrao.com archive."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader

from distill_pdf import batch, incremental
from distill_pdf.batch import BUILT, DRAFT, FAILED, PENDING, UP_TO_DATE, BatchOptions, run
from distill_pdf.cli import main
from distill_pdf.config import options_for
from distill_pdf.discover import detect_layout, discover, name_for

from .conftest import ENGINES, SHARED, pdf_text, pdf_text_flat

needs_engine = pytest.mark.skipif(not ENGINES, reason="no TeX engine")
ARCHIVE = SHARED / "tansanrao-archive"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def png(path: Path, color=(200, 30, 30)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (40, 20), color).save(path)
    return path


def make_site(root: Path) -> Path:
    """A small Astro site: two collections, a bundle with an image, a draft, skipped files."""
    write(root / "astro.config.mjs", 'export default defineConfig({ site: "https://blog.example" });\n')
    blog = root / "src" / "content" / "blog"
    write(blog / "first" / "index.md", "---\ntitle: First post\ndate: 2024-01-02\n---\n\n"
          "Hello from the first post.\n\n![A red box](box.png)\n")
    png(blog / "first" / "box.png")
    write(blog / "second.md", "---\ntitle: Second post\ndate: 2024-02-03\nbibliography: refs.bib\n---\n\n"
          "The second post shows the site logo ![logo](/logo.png).\n")
    write(blog / "refs.bib", "@misc{knuth1984, title = {Literate Programming}, year = {1984}}\n")
    png(root / "public" / "logo.png", (30, 30, 200))
    write(blog / "wip.md", "---\ntitle: Work in progress\ndraft: true\n---\n\nNot yet.\n")
    write(blog / "_private.md", "---\ntitle: Private\n---\nHidden.\n")
    write(blog / "_unlisted" / "idea.md", "---\ntitle: Idea\n---\nHidden too.\n")
    write(blog / "data.yaml", "a: 1\n")
    write(root / "src" / "content" / "notes" / "chart.mdx",
          "---\ntitle: A chart\ndate: 2023-05-06\n---\nimport Chart from '../../components/Chart.astro';\n\n"
          "Before the chart.\n\n<Chart data={[1, 2, 3]} />\n\nAfter the chart.\n")
    return root


def export(site: Path, out: Path, **kw):
    """As the CLI does it: the site config read first, then passed along."""
    render, config = options_for(site, {}, set())
    return run(site, BatchOptions(out_dir=out, jobs=kw.pop("jobs", 2), render=render, **kw), config=config)


def by_name(result) -> dict[str, str]:
    return {p.name: p.status for p in result.posts}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The small site exported once; tests work on copies (the cache is relative: copies stay valid)."""
    if not ENGINES:
        pytest.skip("no TeX engine")
    root = tmp_path_factory.mktemp("built")
    site = make_site(root / "site")
    first = export(site, root / "out", report=root / "report.json")
    return root, first


@pytest.fixture
def copy(built, tmp_path):
    root, _ = built
    shutil.copytree(root / "site", tmp_path / "site")
    shutil.copytree(root / "out", tmp_path / "out")
    return tmp_path / "site", tmp_path / "out"


# --- discovery ---------------------------------------------------------------


def test_astro_discovery(tmp_path):
    site = make_site(tmp_path / "site")
    entries = {e.name: e for e in discover(site)}
    assert sorted(entries) == ["blog/first", "blog/second", "blog/wip", "notes/chart"]
    assert entries["blog/wip"].draft and not entries["blog/first"].draft
    assert entries["blog/first"].source == site / "src/content/blog/first/index.md"
    assert entries["blog/first"].output == "blog/first.pdf" and entries["blog/first"].collection == "blog"
    assert entries["notes/chart"].title == "A chart" and str(entries["notes/chart"].date) == "2023-05-06"
    # the content folder, or one collection, names posts the same way
    assert sorted(e.name for e in discover(site / "src" / "content")) == sorted(entries)
    assert [e.name for e in discover(site / "src/content/notes")] == ["notes/chart"]
    assert name_for(site / "src/content/blog/first/index.md").url_path == "blog/first"


def test_astro_slug_front_matter(tmp_path):
    write(tmp_path / "src/content/blog/2024/x.md", "---\ntitle: X\nslug: custom/path\n---\nx\n")
    assert [e.name for e in discover(tmp_path)] == ["blog/custom/path"]


def test_jekyll_discovery(tmp_path):
    write(tmp_path / "_config.yml", "url: https://j.example\n")
    write(tmp_path / "_posts" / "2024-03-04-hello-world.md", "---\ntitle: Hello\n---\nx\n")
    write(tmp_path / "_posts" / "2024-03-05-hidden.markdown", "---\ntitle: Unpublished\npublished: false\n---\nx\n")
    write(tmp_path / "_drafts" / "someday.md", "---\ntitle: Someday\n---\nx\n")
    write(tmp_path / "about.md", "---\ntitle: About\n---\nnot a post\n")
    entries = {e.name: e for e in discover(tmp_path)}
    assert sorted(entries) == ["drafts/someday", "posts/2024-03-04-hello-world", "posts/2024-03-05-hidden"]
    assert entries["drafts/someday"].draft and entries["posts/2024-03-05-hidden"].draft
    assert entries["posts/2024-03-04-hello-world"].url_path == "2024/03/04/hello-world.html"


@needs_engine
def test_jekyll_bibliography_in_assets_is_tracked(tmp_path):
    """al-folio's `bibliography: x.bib` lives in assets/bibliography/: editing it rebuilds the post."""
    site, out = tmp_path / "site", tmp_path / "pdf"
    write(site / "_config.yml", "url: https://j.example\n")
    write(site / "_posts" / "2024-03-04-cited.md", "---\nlayout: distill\ntitle: Cited\n"
          "bibliography: 2024-03-04-cited.bib\n---\n\nAs <d-cite key=\"knuth1984\"></d-cite> said.\n")
    bib = write(site / "assets" / "bibliography" / "2024-03-04-cited.bib",
                "@misc{knuth1984, author = {Knuth, Donald}, title = {Literate Programming}, year = {1984}}\n")
    assert by_name(export(site, out)) == {"posts/2024-03-04-cited": BUILT}
    assert "Knuth" in pdf_text_flat(out / "posts" / "2024-03-04-cited.pdf")
    assert plan(site, out) == {}
    write(bib, bib.read_text().replace("1984", "1992"))
    assert plan(site, out) == {"posts/2024-03-04-cited": "bibliography changed: assets/bibliography/2024-03-04-cited.bib"}


def test_hugo_discovery(tmp_path):
    write(tmp_path / "hugo.toml", 'baseURL = "https://h.example/"\n')
    write(tmp_path / "content" / "_index.md", "---\ntitle: Home\n---\n")
    write(tmp_path / "content" / "posts" / "_index.md", "---\ntitle: Posts\n---\n")
    write(tmp_path / "content" / "posts" / "one.md", "+++\ntitle = 'One'\ndraft = true\n+++\nx\n")
    write(tmp_path / "content" / "posts" / "two" / "index.md", "---\ntitle: Two\n---\nx\n")
    entries = {e.name: e for e in discover(tmp_path)}
    assert sorted(entries) == ["posts/one", "posts/two"]
    assert entries["posts/one"].draft and entries["posts/one"].title == "One"
    assert detect_layout(tmp_path / "content" / "posts").kind == "hugo"
    assert [e.name for e in discover(tmp_path / "content" / "posts")] == ["posts/one", "posts/two"]


def test_folder_of_markdown(tmp_path):
    write(tmp_path / "a.md", "# A\n")
    write(tmp_path / "sub" / "b.mdx", "# B\n")
    write(tmp_path / "node_modules" / "pkg" / "README.md", "# no\n")
    write(tmp_path / ".git" / "x.md", "# no\n")
    write(tmp_path / "notes.txt", "no\n")
    assert [e.name for e in discover(tmp_path)] == ["a", "sub/b"]


def test_broken_front_matter_does_not_stop_discovery(tmp_path):
    write(tmp_path / "bad.md", "---\ntitle: [unclosed\n---\nx\n")
    write(tmp_path / "good.md", "---\ntitle: Good\n---\nx\n")
    assert [e.name for e in discover(tmp_path)] == ["bad", "good"]


# --- selection and shards ---------------------------------------------------


def test_only_exclude_and_drafts_selection(tmp_path):
    site = make_site(tmp_path / "site")
    root = site / "src" / "content"
    entries = discover(site)
    names = lambda **kw: [e.name for e in batch.select(entries, BatchOptions(out_dir=tmp_path, **kw), root)]
    assert names(only=("blog/*",)) == ["blog/first", "blog/second", "blog/wip"]
    assert names(only=("*/first",)) == ["blog/first"]
    assert names(only=("blog/first/index.md",)) == ["blog/first"]  # the source path matches too
    assert names(exclude=("notes/*", "*/wip")) == ["blog/first", "blog/second"]


def test_shards_partition_the_posts_stably():
    names = [f"blog/post-{i}" for i in range(40)]
    shards = {k: [n for n in names if batch.shard_of(n, 4) == k] for k in (1, 2, 3, 4)}
    assert sorted(sum(shards.values(), [])) == sorted(names)  # every post in exactly one shard
    assert all(shards.values())  # none empty for 40 posts
    # adding posts moves no existing post to another shard (each shard's cache stays warm)
    assert all(batch.shard_of(n, 4) == k for k, members in shards.items() for n in members)
    assert batch.parse_shard("2/4") == (2, 4)
    for bad in ("0/4", "5/4", "x", "1/0"):
        with pytest.raises(Exception, match="--shard"):
            batch.parse_shard(bad)


def test_run_reads_the_site_config_itself(tmp_path, monkeypatch):
    site = make_site(tmp_path / "site")
    write(site / "distill-pdf.toml", 'paper = "letter"\n')
    jobs, original = [], batch._fresh
    monkeypatch.setattr(batch, "_fresh", lambda job, cache, memo=None: jobs.append(job) or original(job, cache, memo))
    run(site, BatchOptions(out_dir=tmp_path / "out", dry_run=True, render={"template": "article"}))
    assert {job.options["paper"] for job in jobs} == {"letter"}  # from the config
    assert {job.options["template"] for job in jobs} == {"article"}  # given: beats the config
    assert {job.options["post_url"] for job in jobs} == {"https://blog.example/blog/first",
                                                          "https://blog.example/blog/second",
                                                          "https://blog.example/notes/chart"}


def test_shard_runs_only_its_posts(tmp_path):
    site = make_site(tmp_path / "site")
    picked = []
    for k in (1, 2, 3):
        result = export(site, tmp_path / "out", shard=(k, 3), dry_run=True)
        picked += [p.name for p in result.posts]
    assert sorted(picked) == ["blog/first", "blog/second", "blog/wip", "notes/chart"]


# --- building, failures, workers ------------------------------------------------


def fake_render(post, output, **options):
    """Stands in for pipeline.render in worker processes (they are forked: the patch is inherited)."""
    from distill_pdf.errors import DistillError
    from distill_pdf.pipeline import RenderResult
    name = Path(post).stem
    if name == "crash":
        os._exit(3)  # the worker dies, as under the out-of-memory killer
    if name == "boom":
        raise RuntimeError("unexpected")
    if name == "bad":
        raise DistillError("unclosed math", post, 4)
    from pypdf import PdfWriter
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    with open(output, "wb") as handle:
        writer.write(handle)
    return RenderResult(pdf=Path(output), pages=1)


@pytest.fixture
def fake_engine(monkeypatch):
    import distill_pdf.pipeline
    monkeypatch.setattr(distill_pdf.pipeline, "render", fake_render)
    monkeypatch.setattr(batch, "_check_engine", lambda render: None)


def test_one_posts_failure_never_stops_the_others(tmp_path, fake_engine):
    posts = tmp_path / "posts"
    for name in ("a", "bad", "boom", "crash", "z"):
        write(posts / f"{name}.md", f"---\ntitle: {name}\n---\ntext\n")
    result = export(posts, tmp_path / "out", jobs=2, report=tmp_path / "report.json")
    assert by_name(result) == {"a": BUILT, "bad": FAILED, "boom": FAILED, "crash": FAILED, "z": BUILT}
    errors = {p.name: p.error for p in result.failed}
    assert "bad.md:4: unclosed math" in errors["bad"]
    assert errors["boom"].startswith("internal error: RuntimeError: unexpected")
    assert "worker process died" in errors["crash"]
    assert (tmp_path / "out" / "a.pdf").is_file() and (tmp_path / "out" / "z.pdf").is_file()
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["counts"] == {"built": 2, "up to date": 0, "failed": 3, "draft": 0}
    # failures are not cached: they are tried again, the built posts are not
    again = export(posts, tmp_path / "out")
    assert by_name(again) == {"a": UP_TO_DATE, "bad": FAILED, "boom": FAILED, "crash": FAILED, "z": UP_TO_DATE}


def test_same_output_name_is_a_failure_of_the_second(tmp_path, fake_engine):
    write(tmp_path / "posts" / "x.md", "# X\n")
    write(tmp_path / "posts" / "x" / "index.md", "# X again\n")
    result = export(tmp_path / "posts", tmp_path / "out")
    assert sorted(p.status for p in result.posts) == [BUILT, FAILED]
    assert "same output as" in result.failed[0].error


def test_output_inside_the_content_is_refused(tmp_path):
    site = make_site(tmp_path / "site")
    for inside in (site / "src" / "content", site / "src" / "content" / "pdf"):
        with pytest.raises(Exception, match="output folder is inside the content folder"):
            export(site, inside)


@needs_engine
def test_export_drafts_and_outputs(built):
    root, first = built
    assert by_name(first) == {"blog/first": BUILT, "blog/second": BUILT, "blog/wip": DRAFT, "notes/chart": BUILT}
    out = root / "out"
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf")) == [
        "blog/first.pdf", "blog/second.pdf", "notes/chart.pdf"]
    assert all(p.pages >= 1 and p.seconds > 0 for p in first.posts if p.status == BUILT)
    report = json.loads((root / "report.json").read_text())
    assert report["counts"] == {"built": 3, "up to date": 0, "failed": 0, "draft": 1}
    assert {p["name"]: p["status"] for p in report["posts"]}["blog/wip"] == "draft"
    text = pdf_text_flat(out / "notes" / "chart.pdf")  # MDX: the component is a note with the post's URL
    assert "Interactive content (Chart): see the online version." in text
    assert "https://blog.example/notes/chart" in text and "import" not in text


@needs_engine
def test_drafts_flag_builds_drafts(copy):
    site, out = copy
    result = export(site, out, drafts=True)
    assert by_name(result)["blog/wip"] == BUILT
    assert "DRAFT" in pdf_text(out / "blog" / "wip.pdf")


@needs_engine
def test_unchanged_rerun_builds_nothing_and_is_fast(copy, monkeypatch):
    site, out = copy
    monkeypatch.setattr(batch, "_execute", lambda jobs, workers: pytest.fail("a post was built"))
    started = time.monotonic()
    result = export(site, out)
    assert time.monotonic() - started < 2
    assert by_name(result) == {"blog/first": UP_TO_DATE, "blog/second": UP_TO_DATE, "blog/wip": DRAFT,
                               "notes/chart": UP_TO_DATE}
    assert result.posts[0].pages >= 1  # pages and warnings come from the cache record


@needs_engine
def test_touching_one_post_rebuilds_exactly_that_post(copy):
    site, out = copy
    post = site / "src/content/blog/second.md"
    post.write_text(post.read_text() + "\nOne more sentence.\n")
    result = export(site, out)
    assert by_name(result) == {"blog/first": UP_TO_DATE, "blog/second": BUILT, "blog/wip": DRAFT,
                               "notes/chart": UP_TO_DATE}
    assert [p.reason for p in result.posts if p.status == BUILT] == ["source changed: src/content/blog/second.md"]
    assert "One more sentence." in pdf_text_flat(out / "blog" / "second.pdf")


def plan(site: Path, out: Path, **kw) -> dict[str, str | None]:
    """What a run would rebuild, and why (dry run: nothing is built)."""
    result = export(site, out, dry_run=True, **kw)
    return {p.name: p.reason for p in result.posts if p.status == PENDING}


@needs_engine
def test_cache_invalidation_by_each_input(copy, monkeypatch):
    site, out = copy
    content = site / "src" / "content"
    assert plan(site, out) == {}
    os.utime(content / "blog/second.md", (1, 1))  # a new mtime alone changes nothing: contents count
    assert plan(site, out) == {}

    png(content / "blog/first/box.png", (0, 200, 0))  # an image beside the post
    assert plan(site, out) == {"blog/first": "image changed: src/content/blog/first/box.png"}
    png(content / "blog/first/box.png")
    assert plan(site, out) == {}

    png(site / "public/logo.png", (0, 0, 0))  # a site-absolute image from public/
    assert plan(site, out) == {"blog/second": "image changed: public/logo.png"}
    png(site / "public/logo.png", (30, 30, 200))

    write(content / "blog/refs.bib", "@misc{knuth1984, title = {Literate Programming!}, year = {1984}}\n")
    assert plan(site, out) == {"blog/second": "bibliography changed: src/content/blog/refs.bib"}
    write(content / "blog/refs.bib", "@misc{knuth1984, title = {Literate Programming}, year = {1984}}\n")
    write(content / "blog/first/more.bib", "@misc{x, title = {X}}\n")  # a new .bib beside a post
    assert plan(site, out) == {"blog/first": "bibliography changed: src/content/blog/first"}
    (content / "blog/first/more.bib").unlink()
    assert plan(site, out) == {}

    all_posts = {"blog/first", "blog/second", "notes/chart"}
    write(site / "distill-pdf.toml", 'paper = "letter"\n')  # the site config
    assert set(plan(site, out).values()) == {"config or options changed"} and set(plan(site, out)) == all_posts
    (site / "distill-pdf.toml").unlink()
    assert plan(site, out) == {}

    with monkeypatch.context() as m:  # the template (a custom one: its own folder is hashed)
        m.setattr(incremental, "template_digest", lambda template: "another template")
        assert set(plan(site, out).values()) == {"template changed"}
    with monkeypatch.context() as m:
        m.setattr(incremental, "fonts_digest", lambda: "other fonts")
        assert set(plan(site, out).values()) == {"fonts changed"}
    with monkeypatch.context() as m:
        m.setattr(incremental, "__version__", "99.0")
        assert set(plan(site, out).values()) == {"distill-pdf changed"}

    record_path = incremental.BuildCache(out).record_path("notes/chart")  # the code that typeset it
    record = json.loads(record_path.read_text())
    assert "mdx.py" in record["code"] and "writer/latex.py" in record["code"]
    record["code"]["mdx.py"] = "0" * 64
    record_path.write_text(json.dumps(record))
    assert plan(site, out) == {"notes/chart": "distill-pdf changed: mdx.py"}
    record_path.unlink()
    assert plan(site, out) == {"notes/chart": "not built before"}

    (out / "blog" / "first.pdf").unlink()  # the output itself
    assert plan(site, out)["blog/first"] == "PDF missing or changed"
    assert set(plan(site, out, force=True).values()) == {"forced"}


def test_template_digest_covers_a_custom_template(tmp_path):
    from distill_pdf.template import TEMPLATES_DIR
    shutil.copytree(TEMPLATES_DIR / "distill", tmp_path / "mine")
    before = incremental.template_digest(tmp_path / "mine")
    assert before == incremental.template_digest(str(tmp_path / "mine"))
    with open(tmp_path / "mine" / "template.tex.j2", "a") as handle:
        handle.write("% changed\n")
    assert incremental.template_digest(tmp_path / "mine") != before
    assert incremental.template_digest("distill") != incremental.template_digest("article")


@needs_engine
def test_two_runs_racing_build_each_post_once(tmp_path):
    site = tmp_path / "site"
    write(site / "src/content/blog/only.md", "---\ntitle: Only\n---\nJust one post.\n")
    command = [sys.executable, "-m", "distill_pdf", "batch", str(site), "-o", str(tmp_path / "out")]
    runs = [subprocess.Popen([*command, "--report", str(tmp_path / f"r{i}.json")], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True) for i in (1, 2)]
    outputs = [r.communicate(timeout=300)[0] for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outputs
    statuses = sorted(json.loads((tmp_path / f"r{i}.json").read_text())["posts"][0]["status"] for i in (1, 2))
    assert statuses == [BUILT, UP_TO_DATE]
    assert PdfReader(tmp_path / "out/blog/only.pdf").pages


# --- the CLI and the combined PDF ---------------------------------------------


@needs_engine
def test_cli_plain_lines_summary_report_and_exit_code(copy):
    site, out = copy
    write(site / "src/content/blog/broken.md", "---\ntitle: [oops\n---\nx\n")
    post = site / "src/content/blog/second.md"
    post.write_text(post.read_text() + "\nEdited.\n")
    result = CliRunner().invoke(main, ["batch", str(site), "-o", str(out), "-j", "2",
                                       "--report", str(out / "report.json")])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert "site https://blog.example (from astro.config.mjs)" in lines
    assert "2 posts to build, 2 up to date" in lines
    assert any(line.startswith("[1/2] ") for line in lines) and any(line.startswith("[2/2] ") for line in lines)
    header = next(line for line in lines if line.startswith("post "))
    assert header.split() == ["post", "status", "pages", "seconds", "warnings"]
    assert any(line.split()[:2] == ["blog/second", "built"] for line in lines)
    assert any(line.startswith("error blog/broken: ") and "invalid YAML front matter" in line for line in lines)
    assert "1 built, 2 up to date, 1 failed, 1 draft skipped" in result.output
    assert json.loads((out / "report.json").read_text())["counts"]["failed"] == 1


@needs_engine
def test_combined_pdf(copy):
    site, out = copy
    archive = out / "archive.pdf"
    result = export(site, out, combine=archive, title="The Example Archive")
    assert result.ok and result.combined == archive.resolve()
    reader = PdfReader(archive)
    sizes = {name: len(PdfReader(out / f"{name}.pdf").pages) for name in ("blog/first", "blog/second", "notes/chart")}
    front = len(reader.pages) - sum(sizes.values())
    assert front >= 2 and result.combined_pages == len(reader.pages)
    assert reader.page_labels[:front] == ["i", "ii", "iii"][:front] and reader.page_labels[front] == "1"
    # bookmarks: collections, then posts (oldest first), each with its own sections below
    top = [item for item in reader.outline if not isinstance(item, list)]
    assert [item.title for item in top] == ["Contents", "Blog", "Notes"]
    blog_posts = [item for item in reader.outline[reader.outline.index(top[1]) + 1] if not isinstance(item, list)]
    assert [item.title for item in blog_posts] == ["First post", "Second post"]
    assert reader.get_destination_page_number(blog_posts[0]) == front
    assert reader.get_destination_page_number(blog_posts[1]) == front + sizes["blog/first"]
    # the contents page: title, then entries that link to the posts' first pages
    first_page = pdf_text_flat_page(archive, 1)
    assert "The Example Archive" in first_page and "https://blog.example" in first_page
    contents = pdf_text_flat_page(archive, 2)
    assert "First post" in contents and "Second post" in contents and "A chart" in contents
    targets = set()
    for annot in reader.pages[1].get("/Annots", []):
        action = annot.get_object()["/A"]
        assert action["/S"] == "/GoTo"
        targets.add(reader.get_page_number(action["/D"][0].get_object()))
    assert targets == {front, front + sizes["blog/first"], front + sizes["blog/first"] + sizes["blog/second"]}
    # unchanged posts: the anthology is not made again
    again = export(site, out, combine=archive, title="The Example Archive")
    assert again.combined_up_to_date and by_name(again)["blog/first"] == UP_TO_DATE


def pdf_text_flat_page(pdf: Path, page: int) -> str:
    text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


# --- the real archive ------------------------------------------------------------


@pytest.mark.slow
@needs_engine
def test_real_archive(tmp_path):
    """The whole tansanrao.com archive: no failure; unchanged, nothing is built; one edit, one build."""
    if not ARCHIVE.is_dir():
        pytest.skip("corpus not present")
    site = tmp_path / "tansanrao"
    shutil.copytree(ARCHIVE, site)  # shared/ is read-only in CI, and the test edits a post
    content = site / "src" / "content"
    first = export(content, tmp_path / "out", jobs=2, report=tmp_path / "report.json")
    assert not first.failed, [(p.name, p.error) for p in first.failed]
    expected = sorted(e.name for e in discover(content))
    assert len(expected) >= 20 and sorted(p.name for p in first.posts) == expected
    assert {p.status for p in first.posts} == {BUILT}
    assert json.loads((tmp_path / "report.json").read_text())["counts"]["built"] == len(expected)
    assert by_name(first)["information/linkroll"] == BUILT  # the MDX page
    assert "Egor Lukiyanov — Personal Blog" in pdf_text_flat(tmp_path / "out/information/linkroll.pdf")  # its list

    started = time.monotonic()
    second = export(content, tmp_path / "out", jobs=2)
    assert time.monotonic() - started < 2
    assert {p.status for p in second.posts} == {UP_TO_DATE}

    post = content / "blog" / "docker-explained" / "index.md"
    post.write_text(post.read_text() + "\nAn added line.\n")
    third = export(content, tmp_path / "out", jobs=2)
    assert [p.name for p in third.posts if p.status == BUILT] == ["blog/docker-explained"]
    assert {p.status for p in third.posts if p.name != "blog/docker-explained"} == {UP_TO_DATE}
