# File size over the life of bench/shrink_bench.cc (issue #14, item 3):
#   build/bench/shrink_bench --n 1000000 --csv bench/results/shrink/auto.csv
#   build/bench/shrink_bench --n 1000000 --no-auto --csv bench/results/shrink/off.csv
#   gnuplot bench/results/shrink/chart.gp   (from the repository root)
set datafile separator ","
set terminal pngcairo size 900,480 font ",10"
set output "bench/results/shrink/chart.png"
set title "1,000,000 keys loaded, 90% deleted in 1,000-key commits, 100 single puts, compact()"
set xlabel "commit"
set ylabel "MiB"
set key top right noenhanced
set grid
plot "bench/results/shrink/off.csv" every ::1 using 1:($3/1048576) with lines lw 2 title "file, shrink_threshold = UINT64_MAX", \
     "bench/results/shrink/auto.csv" every ::1 using 1:($3/1048576) with lines lw 2 title "file, default (shrinks in commits)", \
     "bench/results/shrink/auto.csv" every ::1 using 1:($5/1048576) with lines lw 1 dt 2 title "live pages"
