"""Our mistune plugins: syntax the blogs use beyond CommonMark + GFM."""
