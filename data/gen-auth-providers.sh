#!/bin/sh
# Regenerate data/apache2-auth-providers.tsv from the real apache2: each candidate row is
# kept only if `apache2 -t` rejects the name without the module and accepts it with it.
# Usage: sh data/gen-auth-providers.sh > data/apache2-auth-providers.tsv
set -u
M=/usr/lib/apache2/modules
T=$(mktemp -d)
base() {
  printf 'ServerRoot %s\nServerName x\nPidFile %s/x.pid\nErrorLog %s/x.log\nMutex file:%s\nDefaultRuntimeDir %s\n' "$T" "$T" "$T" "$T" "$T"
  for m in mpm_prefork authn_core authz_core auth_basic $1; do
    printf 'LoadModule %s_module %s/mod_%s.so\n' "$m" "$M" "$m"
  done
}
probe() { # kind name modules...
  kind=$1; name=$2; shift 2
  case $kind in
    authn) line="AuthBasicProvider $name" ;;
    authz) line="Require $name x" ;;
    authtype) line="AuthType $name" ;;
  esac
  case $name in
    all) line="Require all granted" ;; valid-user|local|file-owner|file-group) line="Require $name" ;;
    method) line="Require method GET" ;; expr) line="Require expr true" ;; ip) line="Require ip 127.0.0.1" ;;
  esac
  module=$(echo "$*" | awk '{print $NF}')
  { base "$*"; printf '<Directory /x>\nAuthType Basic\n%s\n</Directory>\n' "$line"; } > "$T/with.conf"
  apache2 -t -f "$T/with.conf" >/dev/null 2>&1 || return 0
  # Without the module (unless it is one every auth setup loads) the name must be unknown.
  case " mpm_prefork authn_core authz_core auth_basic " in
    *" $module "*) ;;
    *)
      { base ""; printf '<Directory /x>\nAuthType Basic\n%s\n</Directory>\n' "$line"; } > "$T/without.conf"
      apache2 -t -f "$T/without.conf" 2>&1 | grep -q "Unknown Auth. provider" || return 0
      ;;
  esac
  echo "$kind	$name	${module}_module"
}
echo "# Apache/2.4.71 (Debian 12): auth providers and the module that registers each, verified"
echo "# by data/gen-auth-providers.sh against the real apache2 (kind, name, module)."
for p in file dbm anon dbd socache; do probe authn $p "authn_$p"; done
probe authn ldap ldap authnz_ldap
for p in valid-user user; do probe authz $p authz_user; done
probe authz group authz_groupfile
for p in all env method expr; do probe authz $p authz_core; done
for p in ip host local forward-dns; do probe authz $p authz_host; done
for p in dbm-group dbm-file-group; do probe authz $p authz_dbm; done
probe authz dbd-group dbd authz_dbd
probe authz file-owner authz_owner
probe authz file-group authz_groupfile
for p in ldap-user ldap-group ldap-dn ldap-attribute ldap-filter ldap-search; do probe authz $p ldap authnz_ldap; done
rm -rf "$T"
