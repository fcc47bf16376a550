"""MDX -> Markdown: imports/exports gone, components as notes or their Markdown, code untouched."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from distill_pdf import mdx
from distill_pdf.errors import Diagnostics
from distill_pdf.load import load_post

from .conftest import ENGINES, body_latex, pdf_text_flat

URL = "https://blog.example/notes/demo"


def convert(tmp_path: Path, body: str, name: str = "post.mdx", post_url: str | None = URL):
    path = tmp_path / name
    path.write_text("---\ntitle: Demo\n---\n" + textwrap.dedent(body), encoding="utf-8")
    diagnostics = Diagnostics()
    post = load_post(path, diagnostics)
    result = mdx.strip(post, diagnostics, post_url=post_url)
    return post, result, [str(d) for d in diagnostics]


def test_import_and_export_statements_become_blank_lines(tmp_path):
    post, result, _ = convert(tmp_path, """\
        import Chart from "../components/Chart.astro";
        import { A,
          B } from "./x";
        export const links = [
          { title: "x", url: "https://x.example" },

          { title: "y" },
        ];

        # Heading
        """)
    lines = result.markdown.split("\n")
    assert "import" not in result.markdown and "export" not in result.markdown
    assert "links" not in result.markdown and "title:" not in result.markdown
    assert len(lines) == len(post.body.split("\n"))  # line numbers are kept
    assert lines.index("# Heading") == post.body.split("\n").index("# Heading")


def test_self_closing_component_becomes_interactive_note_with_warning(tmp_path):
    _, result, warnings = convert(tmp_path, """\
        Before.

        <Chart
          data={[1, 2, 3]}
          options={{ curve: (x) => x > 0 }}
        />

        After.
        """)
    assert "<Chart" not in result.markdown and "data=" not in result.markdown
    assert result.embeds == [("Chart", URL)]
    assert any("<Chart> cannot be printed" in w and "post.mdx:6:" in w for w in warnings)
    latex = result.expand(result.markdown)
    assert r"\dpinteractive{Chart}{\href{https://blog.example/notes/demo}" in latex


def test_note_without_a_known_url_has_no_link(tmp_path):
    _, result, warnings = convert(tmp_path, "<Linkroll links={links} />\n", post_url=None)
    assert result.expand(result.markdown).strip() == r"\dpinteractive{Linkroll}{}"
    assert "a note stands in" in warnings[0]


def test_embed_components_link_to_what_they_show(tmp_path):
    """astro-embed's <YouTube id>, <Vimeo>, <Tweet>: the note links to the video or post itself."""
    _, result, _ = convert(tmp_path, '<YouTube id="dQw4w9WgXcQ" />\n\n<Tweet id="https://x.com/a/status/1" />\n',
                           post_url=None)
    assert result.embeds == [("YouTube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
                             ("Tweet", "https://x.com/a/status/1")]


def test_a_component_given_the_pages_exported_list_prints_the_list(tmp_path):
    """`export const links = [{title, url, description}]` + `<Linkroll links={links} />`: the page
    shows the links, so they are printed (as HTML on the component's one line), not a note."""
    _, result, warnings = convert(tmp_path, """\
        export const links = [
          { title: "Ada's blog", url: 'https://ada.example', description: "Personal Blog", },
          { name: "Bob", href: "https://bob.example" },
        ];

        <Linkroll links={links} />
        After.
        """)
    assert result.embeds == [] and not any("cannot be printed" in w for w in warnings)
    assert ('<ul><li><a href="https://ada.example">Ada&#x27;s blog</a> — Personal Blog</li>'
            '<li><a href="https://bob.example">Bob</a></li></ul>') in result.markdown


def test_callout_keeps_its_markdown_as_an_alert(tmp_path):
    _, result, _ = convert(tmp_path, """\
        <Callout type="warning" title="Careful">
          Some **bold** text.

          - a list item
        </Callout>
        After.
        """)
    assert result.markdown.strip().split("\n") == [
        "> [!WARNING] Careful", "> Some **bold** text.", ">", "> - a list item", "", "After."]


def test_other_containers_are_unwrapped_and_dedented(tmp_path):
    _, result, _ = convert(tmp_path, """\
        <Tabs>
            <TabItem label="npm">
                Install it:

                ```sh
                npm install <Pkg />
                ```
            </TabItem>
        </Tabs>
        """)
    text = result.markdown
    assert "<Tabs" not in text and "TabItem" not in text
    assert "**npm**" in text and "\nInstall it:" in text  # not indented: not a code block
    assert "```sh\nnpm install <Pkg />\n```" in text  # code is left as written
    assert not result.embeds


def test_code_math_and_comments_are_untouched(tmp_path):
    _, result, _ = convert(tmp_path, """\
        Use `<Chart />` or `{value}` in code; math $a<B$ stays.

        ```jsx
        import X from "y";
        <Chart data={[1]} />
        ```

        <!-- <Hidden /> -->
        """)
    assert "`<Chart />`" in result.markdown and "`{value}`" in result.markdown
    assert '```jsx\nimport X from "y";\n<Chart data={[1]} />\n```' in result.markdown
    assert "$a<B$" in result.markdown and "<!-- <Hidden /> -->" in result.markdown
    assert not result.embeds


def test_expressions(tmp_path):
    _, result, warnings = convert(tmp_path, 'A {/* note */}b{" "}c {props.count} d.\n')
    assert result.markdown.strip() == "A b c  d."
    assert len(warnings) == 1 and "{props.count}" in warnings[0]


def test_image_components_become_markdown_images(tmp_path):
    _, result, _ = convert(tmp_path, """\
        import hero from "./hero.png";
        import { Image } from "astro:assets";

        <Image src={hero} alt="The hero" />

        <img src="/logo.png" alt="Logo" />
        """)
    assert "![The hero](./hero.png)" in result.markdown
    assert not result.embeds


def test_iframe_and_video_become_notes(tmp_path):
    _, result, warnings = convert(tmp_path, """\
        <iframe src="https://www.youtube.com/embed/x" title="YouTube video player"></iframe>

        <video src={clip} controls />
        """)
    assert [name for name, _ in result.embeds] == ["YouTube video player", "video"]
    assert "iframe" not in result.markdown and "<video" not in result.markdown
    assert len(warnings) == 2


def test_html_attributes_written_as_expressions_are_dropped(tmp_path):
    _, result, _ = convert(tmp_path, '<div style={{color: "red"}} className="box">text</div>\n')
    assert result.markdown.strip() == '<div className="box">text</div>'


def test_applies_to_mdx_and_to_markdown_with_imports(tmp_path):
    diagnostics = Diagnostics()
    plain = tmp_path / "plain.md"
    plain.write_text("---\ntitle: x\n---\nimport the module and go.\n\n```js\nimport x from 'y'\n```\n")
    with_import = tmp_path / "imports.md"
    with_import.write_text("---\ntitle: x\n---\nimport Foo from './Foo.astro'\n\n<Foo />\n")
    assert not mdx.applies(load_post(plain, diagnostics))
    assert mdx.applies(load_post(with_import, diagnostics))
    (tmp_path / "x.mdx").write_text("---\ntitle: x\n---\ntext\n")
    assert mdx.applies(load_post(tmp_path / "x.mdx", diagnostics))


def test_unclosed_component_is_reported_and_unwrapped(tmp_path):
    _, result, warnings = convert(tmp_path, "<Aside>\nText\n")
    assert "Text" in result.markdown and "<Aside" not in result.markdown
    assert any("never closed" in w for w in warnings)


def test_the_archive_linkroll_page(tmp_path):
    source = Path(__file__).resolve().parent.parent.parent / "shared/corpus/tansanrao-archive/src/content/information/linkroll.mdx"
    if not source.exists():
        pytest.skip("corpus not present")
    shutil.copy(source, tmp_path / "linkroll.mdx")
    diagnostics = Diagnostics()
    post = load_post(tmp_path / "linkroll.mdx", diagnostics)
    result = mdx.strip(post, diagnostics, post_url="https://tansanrao.com/information/linkroll")
    assert result.markdown.strip().startswith('<ul><li><a href="https://egor.lukiyanov.name">Egor Lukiyanov</a>'
                                              ' — Personal Blog</li>')
    assert result.markdown.count("<li>") == 5 and result.embeds == []  # its links, not a note


@pytest.mark.skipif(not ENGINES, reason="no TeX engine")
def test_mdx_post_to_pdf(tmp_path):
    from distill_pdf.pipeline import render
    post = tmp_path / "demo.mdx"
    post.write_text(textwrap.dedent("""\
        ---
        title: An MDX post
        ---
        import Chart from "../components/Chart.astro";
        export const data = [1, 2, 3];

        Some prose before.

        <Chart data={data} />

        <Callout type="tip">A useful tip.</Callout>

        The end.
        """), encoding="utf-8")
    result = render(post, tmp_path / "demo.pdf", post_url=URL)
    text = pdf_text_flat(result.pdf)
    assert "Interactive content (Chart): see the online version." in text
    assert URL in text
    assert "A useful tip." in text and "The end." in text
    for raw in ("import", "export", "<Chart", "data={", "Callout"):
        assert raw not in text
    assert any("<Chart> cannot be printed" in str(w) for w in result.warnings)


def test_markers_survive_the_writer(tmp_path):
    """The marker word goes through the Markdown writer unchanged, so expand() finds it."""
    latex = body_latex(tmp_path, f"Text.\n\n{mdx.MARKER.format(0)}\n\n- item {mdx.MARKER.format(1)}\n")
    assert mdx.MARKER.format(0) in latex and mdx.MARKER.format(1) in latex
