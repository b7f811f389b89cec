# Every example flow has its picture in docs/pictures (regenerate: scripts/draw-examples).
scripts/draw-examples --check
