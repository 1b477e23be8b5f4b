#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# /init of the test guests (busybox). Loads the virtio-net modules, gives eth0 the address of the
# kernel command line and runs one scenario; every line for the test starts with "guest:".
# Command line words:
#   guest_ip=ADDR/LEN     eth0's address
#   guest_peer=ADDR       the other guest
#   guest_run=ping|serve  ping: wait for the peer's first reply, ping it guest_count times, then
#                         as fast as replies come for guest_secs seconds (the rate), then once
#                         from each CPU (when the guest has several: one TX queue per CPU), then
#                         3 times from each of guest_flows extra source addresses (if set), then
#                         a TCP stream to the peer's port 5001 for guest_stream seconds (if set),
#                         then, with guest_reload=1, reloads virtio_net and pings 5 times again;
#                         serve: answer pings and take one TCP stream on port 5001 for guest_secs
#                         seconds
# Then the guest powers off (QEMU runs with -no-reboot).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

now() { cut -d' ' -f1 /proc/uptime; }
finish() {
	echo "guest: done at $(now) s"
	poweroff -f
}

guest_ip="" guest_peer="" guest_run=serve guest_count=10 guest_secs=5 guest_stream=0 guest_reload=0 \
	guest_flows=0
for w in $(cat /proc/cmdline); do
	case $w in
	guest_ip=* | guest_peer=* | guest_run=* | guest_count=* | guest_secs=* | guest_stream=* | \
	guest_reload=* | guest_flows=*)
		eval "${w%%=*}=\${w#*=}" ;;
	esac
done

for m in $(cat /lib/modules/order); do
	insmod "/lib/modules/$m.ko" || echo "guest: insmod $m failed"
done
# eth0_up: waits up to 10 s for the driver's eth0 and configures it.
eth0_up() {
	i=0
	while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do
		usleep 100000
		i=$((i + 1))
	done
	if [ ! -e /sys/class/net/eth0 ]; then
		echo "guest: no eth0"
		finish
	fi
	ip addr add "$guest_ip" dev eth0
	ip link set eth0 up
	ncpu=$(nproc)
	nq=$(ls -d /sys/class/net/eth0/queues/tx-* | wc -l)
	echo "guest: eth0 up $guest_ip mac $(cat /sys/class/net/eth0/address) cpus $ncpu" \
		"tx queues $nq at $(now) s"
}
ip link set lo up
eth0_up

counters() {
	echo "guest: eth0 rx_packets $(cat /sys/class/net/eth0/statistics/rx_packets)" \
		"tx_packets $(cat /sys/class/net/eth0/statistics/tx_packets)"
	grep -i virtio /proc/interrupts | sed 's/^/guest: irq /'
	# Checksum errors (TCP, UDP): frames whose checksum was left to an offload not done.
	awk '$1 == "Tcp:" || $1 == "Udp:" {
		if ($1 in col) { if (col[$1]) print "guest: " $1 " InCsumErrors " $(col[$1]) }
		else { col[$1] = 0; for (i = 2; i <= NF; i++) if ($i == "InCsumErrors") col[$1] = i }
	}' /proc/net/snmp
}

case $guest_run in
ping)
	tries=0
	while ! ping -c 1 -W 1 "$guest_peer" >/dev/null 2>&1; do
		tries=$((tries + 1))
		if [ $tries -ge 90 ]; then
			echo "guest: no reply from $guest_peer after $tries tries"
			counters
			finish
		fi
	done
	echo "guest: first reply at $(now) s"
	ping -c "$guest_count" -i 0.2 "$guest_peer" 2>&1 | sed 's/^/guest: /'
	t0=$(now)
	out=$(ping -A -q -w "$guest_secs" "$guest_peer" 2>&1)
	t1=$(now)
	echo "$out" | sed 's/^/guest: flood /'
	echo "$out" | awk -v t0="$t0" -v t1="$t1" '/packets received/ {
		printf "guest: rate %d round trips in %.2f s: %.0f round trips/s\n",
			$4, t1 - t0, $4 / (t1 - t0) }'
	if [ "$ncpu" -gt 1 ]; then
		c=0
		while [ $c -lt "$ncpu" ]; do
			r=$(taskset -c $c ping -c 5 -i 0.1 -q "$guest_peer" 2>&1 |
				sed -n 's/.* \([0-9]*\) packets received.*/\1/p')
			echo "guest: cpu $c received ${r:-0} of 5"
			c=$((c + 1))
		done
		grep . /sys/class/net/eth0/queues/tx-*/xps_cpus 2>/dev/null | sed 's/^/guest: xps /'
	fi
	if [ "$guest_flows" -gt 0 ]; then
		# Flows that differ in their source address: RSS hashes them over the RX queues.
		ok=0 f=1
		while [ $f -le "$guest_flows" ]; do
			src=${guest_peer%.*}.$((100 + f))
			ip addr add "$src/32" dev eth0
			r=$(ping -c 3 -i 0.1 -q -I "$src" "$guest_peer" 2>&1 |
				sed -n 's/.* \([0-9]*\) packets received.*/\1/p')
			[ "${r:-0}" = 3 ] && ok=$((ok + 1))
			f=$((f + 1))
		done
		echo "guest: flows answered $ok of $guest_flows"
	fi
	if [ "$guest_stream" -gt 0 ]; then
		st=/sys/class/net/eth0/statistics
		f0=$(cat $st/tx_packets) b0=$(cat $st/tx_bytes) t0=$(now)
		timeout "$guest_stream" nc "$guest_peer" 5001 </dev/zero
		f1=$(cat $st/tx_packets) b1=$(cat $st/tx_bytes) t1=$(now)
		awk -v f=$((f1 - f0)) -v b=$((b1 - b0)) -v t0="$t0" -v t1="$t1" 'BEGIN {
			printf "guest: stream %d frames %d bytes in %.2f s: %.0f frames/s %.1f Mbit/s\n",
				f, b, t1 - t0, f / (t1 - t0), b * 8 / (t1 - t0) / 1e6 }'
	fi
	counters
	if [ "$guest_reload" = 1 ]; then
		# Driver unbound and bound again: the device is reset and set up again on the same
		# vhost-user connection.
		rmmod virtio_net
		insmod /lib/modules/virtio_net.ko
		echo "guest: virtio_net reloaded at $(now) s"
		eth0_up
		ping -c 5 -W 5 "$guest_peer" 2>&1 | sed 's/^/guest: reload /'
	fi
	;;
serve)
	# nc quits at the end of its input: a background job would get /dev/null.
	sleep "$guest_secs" | nc -l -p 5001 >/dev/null &
	echo "guest: serving for $guest_secs s"
	sleep "$guest_secs"
	counters
	;;
esac
finish
