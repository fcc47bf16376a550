"""Citations: placeholder until the citations work lands (see issue 2)."""


def setup(post, options, diagnostics):
    return None
