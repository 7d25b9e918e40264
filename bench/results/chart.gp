set terminal pngcairo size 1600,800 font 'sans,11'
set output 'chart.png'
set title "alder-bench, scale 1, 2 CPUs: throughput relative to LMDB (LMDB = 1, higher is better, log scale)"
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y 2
set grid ytics
set xtics rotate by -30 scale 0
set key outside top center horizontal
set ylabel 'ops/s divided by LMDB ops/s'
set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 1.5 dt 2
plot 'chart.dat' using 2:xtic(1) title 'alder', 'chart.dat' using 3 title 'LMDB', 'chart.dat' using 4 title 'RocksDB', 'chart.dat' using 5 title 'LevelDB', 'chart.dat' using 6 title 'WiredTiger', 'chart.dat' using 7 title 'SQLite'
