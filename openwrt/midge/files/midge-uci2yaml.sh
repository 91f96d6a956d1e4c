#!/bin/sh
# Translates the UCI config of Midge (/etc/config/midge) into Midge's YAML
# config on standard output. Reads `uci -q show midge` output from FILE, or
# runs that command when no FILE is given. Unknown options are errors (exit 1,
# naming the option), as unknown YAML keys are for Midge itself.
#   midge-uci2yaml [FILE] > /var/etc/midge.yaml
set -eu

input() {
	if [ $# -gt 0 ]; then
		cat "$1"
	else
		uci -q show midge || echo "midge-uci2yaml: cannot read /etc/config/midge (uci show midge)" >&2
	fi
}

input "$@" | awk -v Q="'" '
function fail(msg) { print "midge-uci2yaml: " msg > "/dev/stderr"; failed = 1; exit 1 }
# a YAML single-quoted string: backslashes are literal, a quote is doubled
function str(x) { gsub(Q, Q Q, x); return Q x Q }
function num(o, x) { if (x !~ /^-?[0-9]+$/) fail(o ": expected an integer, got \"" x "\""); return x + 0 }
function bool(o, x) {
	if (x ~ /^(1|yes|on|true|enabled)$/) return "true"
	if (x ~ /^(0|no|off|false|disabled)$/) return "false"
	fail(o ": expected 0 or 1, got \"" x "\"")
}
# uci show quotes values in single quotes, a quote inside as quote-backslash-quote-quote
function unquote(x) {
	if (length(x) >= 2 && substr(x, 1, 1) == Q && substr(x, length(x), 1) == Q) {
		x = substr(x, 2, length(x) - 2); gsub(Q "\\\\" Q Q, Q, x)
	}
	return x
}
{
	eq = index($0, "="); if (eq == 0) next
	key = substr($0, 1, eq - 1); val = unquote(substr($0, eq + 1))
	n = split(key, k, ".")
	if (n == 2) { type[k[2]] = val; if (!(k[2] in seen)) { seen[k[2]] = 1; order[++count] = k[2] } ; next }
	if (n != 3) fail("cannot read line: " $0)
	sec = k[2]; opt = k[3]
	if (!(sec in seen)) { seen[sec] = 1; order[++count] = sec }
	value[sec, opt] = val; opts[sec] = opts[sec] " " opt
}
END {
	if (failed) exit 1
	for (i = 1; i <= count; i++) {
		s = order[i]; t = type[s]; m = split(opts[s], list, " ")
		if (t == "midge") {
			hasmain = 1
			for (j = 1; j <= m; j++) {
				o = list[j]; x = value[s, o]
				if (o == "enabled") continue
				else if (o == "config_file") continue
				else if (o == "log_level") lg = lg "  level: " str(x) "\n"
				else if (o == "log_format") lg = lg "  format: " str(x) "\n"
				else if (o == "log_file") lg = lg "  file: " str(x) "\n"
				else if (o == "persistence") pers = pers "  enabled: " bool(o, x) "\n"
				else if (o == "store_path") pers = pers "  path: " str(x) "\n"
				else if (o == "synchronous") pers = pers "  synchronous: " str(x) "\n"
				else if (o == "max_store_bytes") pers = pers "  max_store_bytes: " num(o, x) "\n"
				else if (o == "password_file") auth = auth "  password_file: " str(x) "\n"
				else if (o == "acl_file") auth = auth "  acl_file: " str(x) "\n"
				else if (o == "sys_interval") sys = sys "  interval: " num(o, x) "\n"
				else if (o == "max_inflight_messages") mqtt = mqtt "  max_inflight_messages: " num(o, x) "\n"
				else if (o == "max_queued_messages") mqtt = mqtt "  max_queued_messages: " num(o, x) "\n"
				else if (o == "max_packet_size") mqtt = mqtt "  max_packet_size: " num(o, x) "\n"
				else fail("unknown option " s "." o " (section midge)")
			}
		} else if (t == "listener") {
			entry = ""
			for (j = 1; j <= m; j++) {
				o = list[j]; x = value[s, o]
				if (o ~ /^(host|protocol|socket_path|certfile|keyfile|cafile|crlfile|ws_path|tls_version|ciphers)$/) line = o ": " str(x)
				else if (o ~ /^(port|max_connections|max_publish_rate|max_packet_size)$/) line = o ": " num(s "." o, x)
				else if (o ~ /^(allow_anonymous|require_certificate|use_identity_as_username)$/) line = o ": " bool(s "." o, x)
				else fail("unknown option " s "." o " (section listener)")
				entry = entry (entry == "" ? "  - " : "    ") line "\n"
			}
			if (entry != "") listeners = listeners entry
		} else if (t != "") fail("unknown section type " t " (" s ")")
	}
	if (!hasmain) fail("no \"config midge\" section in /etc/config/midge")
	printf "# Generated from /etc/config/midge by midge-uci2yaml: edit the UCI config, not this file.\n"
	printf "log:\n%s", (lg ~ /format:/ ? lg : lg "  format: json\n")
	if (listeners != "") printf "listeners:\n%s", listeners
	if (pers != "") printf "persistence:\n%s", pers
	if (auth != "") printf "auth:\n%s", auth
	if (sys != "") printf "sys:\n%s", sys
	if (mqtt != "") printf "mqtt:\n%s", mqtt
}'
