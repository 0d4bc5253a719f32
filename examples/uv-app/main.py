import markupsafe

if __name__ == "__main__":
    print(markupsafe.escape("<uv app built by pybp>"))
