import click


@click.command()
def hello():
    click.echo("Hello from a Poetry app built by pybp")


if __name__ == "__main__":
    hello()
