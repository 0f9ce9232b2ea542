set terminal pngcairo size 900,600 font ',11' noenhanced
set output 'loss.png'
set datafile separator ','
set key autotitle columnhead top right
set title 'kirchhoff train: loss (nats per character)'
set xlabel 'step'
set ylabel 'nats per character'
set grid
set yrange [*:*]
plot 'loss.csv' using 1:3 with lines lw 2 title 'training (batch mean)', '' using 1:6 with linespoints lw 2 pt 7 title 'held-out (digital)', '' using 1:7 with linespoints lw 2 pt 5 title 'held-out (hardware-aware forward)'
