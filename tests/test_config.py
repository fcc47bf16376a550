"""Site config: distill-pdf.toml / [tool.distill-pdf], found by walking up; CLI flags win."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from distill_pdf import config as C
from distill_pdf.cli import main
from distill_pdf.errors import UsageError

from .conftest import write_post


def test_found_by_walking_up_with_paths_relative_to_the_file(tmp_path):
    (tmp_path / "distill-pdf.toml").write_text(
        'site_url = "https://blog.example/"\ntitle = "The Archive"\npaper = "letter"\n'
        'authors = ["Ada Lovelace", {name = "Alan Turing", url = "https://turing.example"}]\n'
        'bibliography = ["refs.bib", "more/other.bib"]\ntemplate = "article"\npublic_dir = "static"\n'
        'engine = "xelatex"\n[aliases]\n"@assets/" = "src/assets"\n')
    post = write_post(tmp_path / "src" / "content" / "blog" / "deep", "Hi")
    config = C.find_config(post)
    assert config.source == tmp_path / "distill-pdf.toml"
    assert config.site_url == "https://blog.example"
    assert config.title == "The Archive" and config.paper == "letter" and config.engine == "xelatex"
    assert config.authors == [{"name": "Ada Lovelace"}, {"name": "Alan Turing", "url": "https://turing.example"}]
    assert config.bibliography == [tmp_path / "refs.bib", tmp_path / "more" / "other.bib"]
    assert config.template == "article"
    assert config.public_dir == tmp_path / "static"
    assert config.aliases == {"@assets/": tmp_path / "src" / "assets"}
    options = config.render_options()
    assert options["bib"] == (tmp_path / "refs.bib", tmp_path / "more" / "other.bib")
    assert options["authors"][1]["url"] == "https://turing.example"


def test_pyproject_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.distill-pdf]\npaper = "letter"\n')
    assert C.find_config(tmp_path / "posts").paper == "letter"


def test_nearest_config_wins(tmp_path):
    (tmp_path / "distill-pdf.toml").write_text('paper = "letter"\n')
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "distill-pdf.toml").write_text('paper = "a4"\n')
    assert C.find_config(tmp_path / "site" / "post.md").paper == "a4"


def test_site_url_from_astro_hugo_and_jekyll(tmp_path):
    astro = tmp_path / "astro"
    (astro / "src" / "content" / "blog").mkdir(parents=True)
    (astro / "astro.config.ts").write_text('export default defineConfig({\n\tsite: "https://astro.example",\n});\n')
    assert C.find_config(astro / "src" / "content" / "blog" / "p.md").site_url == "https://astro.example"
    hugo = tmp_path / "hugo"
    hugo.mkdir()
    (hugo / "hugo.toml").write_text('baseURL = "https://hugo.example/"\n')
    assert C.find_config(hugo / "content" / "p.md").site_url == "https://hugo.example"
    jekyll = tmp_path / "jekyll"
    jekyll.mkdir()
    (jekyll / "_config.yml").write_text('url: "https://jekyll.example"\nbaseurl: "/blog"\n')
    assert C.find_config(jekyll / "_posts" / "p.md").site_url == "https://jekyll.example/blog"


def test_config_site_url_beats_the_generator(tmp_path):
    (tmp_path / "astro.config.mjs").write_text('export default { site: "https://astro.example" }\n')
    (tmp_path / "distill-pdf.toml").write_text('site = "https://mine.example"\n')
    assert C.find_config(tmp_path / "p.md").site_url == "https://mine.example"


def test_no_config(tmp_path):
    config = C.find_config(tmp_path / "post.md")
    assert config.source is None and config.render_options() == {}


@pytest.mark.parametrize("text, message", [
    ('paper = "a5"\n', "`paper` must be a4 or letter"),
    ('site_url = "blog.example"\n', "must be an http(s) URL"),
    ("authors = 3\n", "`authors` must be a list"),
    ('engine = "pdflatex"\n', "`engine` must be auto or tectonic or xelatex"),
    ("paper = \n", "invalid TOML"),
])
def test_bad_values_are_usage_errors(tmp_path, text, message):
    (tmp_path / "distill-pdf.toml").write_text(text)
    with pytest.raises(UsageError, match="distill-pdf.toml") as info:
        C.find_config(tmp_path / "p.md")
    assert message in str(info.value)


def test_unknown_keys_warn(tmp_path):
    (tmp_path / "distill-pdf.toml").write_text('papper = "letter"\n')
    config = C.find_config(tmp_path / "p.md")
    assert config.paper is None and "unknown setting `papper`" in config.warnings[0]


def test_flags_given_on_the_command_line_win():
    config = C.SiteConfig(paper="letter", template="article", site_url="https://a.example")
    cli = {"paper": "a4", "template": "distill", "site_url": None, "engine": "auto"}
    merged = C.merge_options(config, cli, explicit={"template"})
    assert merged == {"paper": "letter", "template": "distill", "site_url": "https://a.example", "engine": "auto"}


def test_post_url():
    assert C.post_url("https://a.example/", "blog/x") == "https://a.example/blog/x"
    assert C.post_url(None, "blog/x") is None


def _tex(tmp_path: Path, *args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--tex-only", "-o", str(tmp_path / "tex")])
    assert result.exit_code == 0, result.output
    return (tmp_path / "tex" / "main.tex").read_text()


def test_render_command_uses_the_config_and_flags_override_it(tmp_path):
    site = tmp_path / "site"
    (site / "distill-pdf.toml").parent.mkdir()
    (site / "distill-pdf.toml").write_text('paper = "letter"\nsite_url = "https://blog.example"\n'
                                           'authors = [{name = "Grace Hopper"}]\n')
    post = write_post(site / "src" / "content" / "blog" / "hello", "See [the about page](/about).",
                      name="index.md")
    tex = _tex(tmp_path, str(post))
    assert "letterpaper" in tex
    assert "Grace Hopper" in tex  # default author: the post names none
    assert "https://blog.example/about" in tex  # site URL from the config
    tex = _tex(tmp_path, str(post), "--paper", "a4")
    assert "a4paper" in tex and "letterpaper" not in tex


def test_render_command_post_url_for_mdx_notes(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "astro.config.mjs").write_text('export default { site: "https://astro.example" }\n')
    post = site / "src" / "content" / "notes" / "demo.mdx"
    post.parent.mkdir(parents=True)
    post.write_text("---\ntitle: Demo\n---\nimport C from './C.astro'\n\n<C />\n")
    tex = _tex(tmp_path, str(post))
    assert r"\dpinteractive{C}{\href{https://astro.example/notes/demo}" in tex
