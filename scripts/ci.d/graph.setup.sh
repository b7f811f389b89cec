# csflow graph --format svg runs Graphviz's `dot`; its tests render real SVG (cli/tests/graph_cli.rs).
need_apt graphviz
