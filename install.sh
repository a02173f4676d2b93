#!/usr/bin/env bash
# Installs the Personal Internet Cell on a Debian or Ubuntu host with Docker, as root:
#
#   ./install.sh [--data DIR] [--images dockerfile|debian] [--load FILE]   install, or upgrade in place
#   ./install.sh --upgrade [--images …] [--load FILE]                      upgrade an existing install only
#   ./install.sh --uninstall [--purge]                                     remove the containers (--purge: the data too)
#
# It checks what the cell needs (the engine, free ports 53/80/443/51820, the WireGuard
# module or the TUN device), creates the data folder, writes the compose environment next to
# it, builds or loads the images, starts the server and waits until it answers, then prints
# where the setup wizard is (over HTTPS through Caddy), the setup code it asks for and the
# fingerprint of the cell's root. The server brings up the rest of the stack itself. Run again, it
# upgrades: new images, the server recreated, its migrations run at start, the data kept.
#
# Images: `dockerfile` (default) builds docker/Dockerfile and pulls the stack's official images
# (needs Docker Hub);
# `debian` builds them from Debian packages (docker/debian/build-images.sh, needs mmdebstrap
# and a Debian mirror); --load FILE loads a `docker save` archive first.
# Settings, from the environment (a run without one keeps what the last run was given):
#   PIC_PUBLISH_ADDRESS  publish the cell's ports on one host address only
#   PIC_ACME_DIRECTORY   another ACME server than Let's Encrypt (an https:// directory URL)
#   PIC_ACME_CA_ROOT     a PEM file on this host with that server's root (copied into the data folder)
set -euo pipefail
repo="$(cd "$(dirname "$0")" && pwd)"
compose_file="$repo/docker/compose.yaml"
server=cell-server

data=""
images=dockerfile
load=""
mode=install
purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data="${2:?--data needs a folder}"; shift 2 ;;
    --images) images="${2:?--images needs dockerfile or debian}"; shift 2 ;;
    --load) load="${2:?--load needs a file}"; shift 2 ;;
    --upgrade) mode=upgrade; shift ;;
    --uninstall) mode=uninstall; shift ;;
    --purge) purge=1; shift ;;
    -h | --help) sed -n '2,/^[^#]/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$images" in dockerfile | debian) ;; *) echo "install.sh: --images is dockerfile or debian" >&2; exit 2 ;; esac
[ "$purge" = 0 ] || [ "$mode" = uninstall ] || { echo "install.sh: --purge goes with --uninstall" >&2; exit 2; }

say() { echo "==> $*"; }
fail() {
  echo "install.sh: $*" >&2
  exit 1
}

# --- prerequisites -------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || fail "run it as root (sudo ./install.sh): it creates the data folder and drives the engine"
command -v docker >/dev/null || fail "docker is not installed (Debian/Ubuntu: apt-get install docker.io)"
docker info >/dev/null 2>&1 || fail "the Docker engine is not reachable${DOCKER_HOST:+ at $DOCKER_HOST}: start it (systemctl start docker)"
if docker compose version >/dev/null 2>&1; then
  compose_cmd=(docker compose)
elif command -v docker-compose >/dev/null; then
  compose_cmd=(docker-compose)
else
  fail "docker compose is missing (apt-get install docker-compose, or the compose plugin)"
fi

# The data folder of an existing install is where its server's /data comes from.
installed_data() {
  docker inspect -f '{{range .Mounts}}{{if eq .Destination "/data"}}{{.Source}}{{end}}{{end}}' "$server" 2>/dev/null || true
}
existing="$(installed_data)"
[ -n "$data" ] || data="${existing:-/srv/pic-cell}"
data="$(realpath -m "$data")"
if [ -n "$existing" ] && [ "$existing" != "$data" ]; then
  fail "the cell is installed with its data in $existing, not $data: pass --data $existing (or uninstall first)"
fi
env_file="$data/compose.env"
# A setting from the environment, else the one the last run wrote.
setting() {
  if [ -n "${!1+x}" ]; then printf '%s' "${!1}"; elif [ -f "$env_file" ]; then sed -n "s/^$1=//p" "$env_file"; fi
}
# compose.env is what the server gets: compose would take a variable of this shell's first.
compose() {
  env -u PIC_PUBLISH_ADDRESS -u PIC_ACME_DIRECTORY -u PIC_ACME_CA_ROOT -u PIC_ACME_DNS_RESOLVER \
    "${compose_cmd[@]}" --env-file "$env_file" -f "$compose_file" -p pic-cell "$@"
}

if [ "$mode" = uninstall ]; then
  [ -n "$existing" ] || [ -d "$data" ] || fail "no cell is installed here"
  if [ -f "$env_file" ]; then compose down --remove-orphans || true; else docker rm -f "$server" >/dev/null 2>&1 || true; fi
  # The containers the server made (the stack) and its network go too.
  ids="$(docker ps -aq --filter label=cell.managed=true)"
  [ -z "$ids" ] || docker rm -f $ids >/dev/null
  docker network rm cell-network >/dev/null 2>&1 || true
  if [ "$purge" = 1 ]; then
    rm -rf "$data"
    say "removed the cell and its data ($data)"
  else
    say "removed the cell's containers; the data stays in $data (./install.sh --uninstall --purge removes it)"
  fi
  exit 0
fi
[ "$mode" = install ] || [ -n "$existing" ] || fail "--upgrade: no cell is installed (run ./install.sh to install)"

# Ports the stack publishes; on an upgrade its own containers hold them.
publish="$(setting PIC_PUBLISH_ADDRESS)"
port_taken() {
  local proto="$1" port="$2" addrs
  addrs="$(ss -Hln"${proto:0:1}" "sport = :$port" 2>/dev/null | awk 'NF > 1 {print $(NF-1)}')"
  [ -n "$addrs" ] || return 1
  # Publishing on every address meets any listener on the port (systemd-resolved's 127.0.0.53 too).
  [ -n "$publish" ] || return 0
  grep -Eq "^(\*|0\.0\.0\.0|\[::\]|${publish//./\\.}|\[${publish//./\\.}\])(%[^:]*)?:$port$" <<<"$addrs"
}
if [ -z "$existing" ] && command -v ss >/dev/null; then
  busy=()
  for p in tcp/53 udp/53 tcp/80 tcp/443 udp/51820; do port_taken "${p%/*}" "${p#*/}" && busy+=("$p"); done
  [ ${#busy[@]} -eq 0 ] || fail "ports in use: ${busy[*]} (the cell publishes DNS, HTTP, HTTPS and WireGuard: stop what holds them, e.g. systemd-resolved's stub on 53)"
fi

# WireGuard: the kernel module, else wireguard-go in cell-wireguard through /dev/net/tun.
userspace=0
if [ -d /sys/module/wireguard ] || modprobe -q wireguard 2>/dev/null; then
  say "WireGuard: kernel module"
elif [ -c /dev/net/tun ]; then
  userspace=1
  say "WireGuard: no kernel module, cell-wireguard will run wireguard-go through /dev/net/tun"
else
  fail "neither the WireGuard kernel module nor /dev/net/tun: install it (apt-get install wireguard) or load the tun module (modprobe tun)"
fi

# --- data folder and compose environment -----------------------------------------------------
install -d -o 10001 -g 100 -m 0700 "$data"
socket="${DOCKER_HOST:-unix:///var/run/docker.sock}"
socket="${socket#unix://}"
[ -S "$socket" ] || fail "the engine's socket $socket is not a Unix socket: the server needs it mounted"

if [ -n "$load" ]; then
  say "loading images from $load"
  docker load -i "$load"
fi

image_settings=""
cell_image="pic/cell:latest"
if [ "$images" = debian ]; then
  say "building the images from Debian packages"
  image_settings="$(bash "$repo/docker/debian/build-images.sh" caddy chrony dnsmasq wireguard cell)"
  cell_image="$(sed -n 's/^PIC_CELL_IMAGE=//p' <<<"$image_settings")"
  image_settings="$(grep '^PIC_IMAGE_' <<<"$image_settings" || true)"
fi
# An image named in the environment (PIC_IMAGE_<COMPONENT>=…, say one loaded with --load) wins.
for var in PIC_IMAGE_CADDY PIC_IMAGE_DNS PIC_IMAGE_NTP PIC_IMAGE_WIREGUARD PIC_IMAGE_DHCP; do
  if [ -n "${!var:-}" ]; then
    image_settings="$(grep -v "^$var=" <<<"$image_settings" || true)"$'\n'"$var=${!var}"
  fi
done

# Another ACME server: its root goes into the data folder, where the server reads it as /data/….
acme_directory="$(setting PIC_ACME_DIRECTORY)"
case "$acme_directory" in "" | https://*) ;; *) fail "PIC_ACME_DIRECTORY must be an https:// directory URL, not $acme_directory" ;; esac
acme_root="$(setting PIC_ACME_CA_ROOT)"
if [ -n "$acme_root" ] && [ "${acme_root#/data/}" = "$acme_root" ]; then
  grep -q 'BEGIN CERTIFICATE' "$acme_root" 2>/dev/null || fail "PIC_ACME_CA_ROOT=$acme_root is not a readable PEM certificate"
  install -o 10001 -g 100 -m 0644 "$acme_root" "$data/acme-root.pem"
  acme_root=/data/acme-root.pem
fi

# Where the cell looks for its DNS-01 challenge records before answering (split-horizon networks).
acme_resolver="$(setting PIC_ACME_DNS_RESOLVER)"
if [ -n "$acme_resolver" ] &&
  ! [[ "$acme_resolver" =~ ^([0-9]{1,3}(\.[0-9]{1,3}){3}(:[0-9]{1,5})?|\[[0-9A-Fa-f:]+\](:[0-9]{1,5})?|[0-9A-Fa-f:]+)$ ]]; then
  fail "PIC_ACME_DNS_RESOLVER must be an IP address with an optional port, not $acme_resolver"
fi

before="$(docker inspect -f '{{.Image}}' "$server" 2>/dev/null || true)"
umask 077
cat >"$env_file.new" <<EOF
# Written by install.sh: what docker/compose.yaml starts the server with.
PIC_HOST_DATA_DIR=$data
DOCKER_GID=$(stat -c %g "$socket")
DOCKER_SOCKET=$socket
PIC_CELL_IMAGE=$cell_image
PIC_WG_USERSPACE=$userspace
PIC_PUBLISH_ADDRESS=$publish
PIC_ACME_DIRECTORY=$acme_directory
PIC_ACME_CA_ROOT=$acme_root
PIC_ACME_DNS_RESOLVER=$acme_resolver
$image_settings
EOF
changed_env=1
if [ -f "$env_file" ] && cmp -s "$env_file" "$env_file.new"; then changed_env=0; fi
mv "$env_file.new" "$env_file"

# The stack's official images (CATALOGUE in src/server/managers/containers/spec.ts), for the
# components no PIC_IMAGE_* names: the server starts them itself, Caddy first (the setup site).
core_images="caddy=caddy:2.10-alpine dns=coredns/coredns:1.12.4 ntp=theohbrothers/docker-chrony:v4.5 wireguard=lscr.io/linuxserver/wireguard:1.0.20250521 dhcp=4km3/dnsmasq:2.90-r3"
if [ "$images" = dockerfile ] && [ -z "$load" ]; then
  say "building the server image (docker/Dockerfile)"
  compose build cell
  for entry in $core_images; do
    var="PIC_IMAGE_${entry%%=*}"
    grep -q "^${var^^}=." <<<"$image_settings" && continue
    docker image inspect "${entry#*=}" >/dev/null 2>&1 || { say "pulling ${entry#*=}"; docker pull -q "${entry#*=}" >/dev/null; }
  done
fi

say "starting the server"
compose up -d --remove-orphans cell

# --- wait for health, report ------------------------------------------------------------------
for _ in $(seq 1 120); do
  status="$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$server" 2>/dev/null || true)"
  [ "$status" = healthy ] && break
  case "$status" in exited | restarting | dead)
    docker logs --tail 30 "$server" >&2
    fail "the server stopped while starting (its log is above)" ;;
  esac
  sleep 1
done
[ "$status" = healthy ] || { docker logs --tail 30 "$server" >&2; fail "the server did not answer its health check within 2 minutes (its log is above)"; }

after="$(docker inspect -f '{{.Image}}' "$server")"
if [ -z "$before" ]; then
  say "installed: $server runs $cell_image (${after:7:12}), data in $data"
elif [ "$before" != "$after" ]; then
  say "upgraded: $server image ${before:7:12} -> ${after:7:12} ($cell_image); data kept in $data, migrations ran at start"
elif [ "$changed_env" = 1 ]; then
  say "updated: $server restarted with new settings ($env_file); image unchanged (${after:7:12})"
else
  say "no change: $server already runs ${after:7:12} with these settings"
fi
# Node inside the server's container: the host needs nothing but the engine.
in_server() { docker exec "$server" node -e "$1"; }
if in_server "fetch('http://127.0.0.1:3000/api/health').then(r=>r.json()).then(b=>process.exit(b.setupComplete?0:1),()=>process.exit(2))"; then
  say "the cell is set up: sign in at http://127.0.0.1:3000 on this host, or https://<cell-name>.cell through the tunnel"
  exit 0
fi
# Before setup the server runs Caddy alone, serving the wizard over HTTPS with a certificate
# from the cell's own CA; from another machine the wizard asks for the setup code.
caddy_running() { [ "$(docker inspect -f '{{.State.Running}}' cell-caddy 2>/dev/null)" = true ]; }
for _ in $(seq 1 90); do
  caddy_running && [ -s "$data/secrets/setup-code" ] && break
  sleep 1
done
code="$(cat "$data/secrets/setup-code" 2>/dev/null || true)"
fingerprint="$(in_server "fetch('http://127.0.0.1:3000/api/vault/root').then(r=>r.text()).then(p=>console.log(new (require('node:crypto').X509Certificate)(p).fingerprint256))" 2>/dev/null || true)"
address="${publish:-$(hostname -I 2>/dev/null | awk '{print $1}')}"
[ -n "$address" ] || address="<this host's address>"
[[ "$address" == *:* ]] && address="[$address]"
if caddy_running && [ -n "$fingerprint" ]; then
  say "open the setup wizard: https://$address/setup"
  say "  your browser does not know the cell's own certificate authority yet: before you go on, check that its root's SHA-256 fingerprint is $fingerprint"
else
  say "Caddy is not running yet (the Containers page and 'docker logs $server' say why): open the setup wizard on this host instead"
fi
say "  on this host: http://127.0.0.1:3000/setup (from another machine: ssh -L 3000:127.0.0.1:3000 root@<this host>)"
[ -z "$code" ] || say "  setup code: $code (the wizard asks for it)"
