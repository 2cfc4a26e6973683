{
  # The one native part of ipfailoverd: an IPv6 raw socket for VRRP that reports the hop limit
  # and destination and takes a chosen source, an AF_PACKET socket that sends whole frames, and
  # synchronous rtnetlink address changes.
  # Plain N-API C (node_api.h) and libuv; no nan, no node-addon-api.
  "targets": [
    {
      "target_name": "ipfailoverd_native",
      "sources": ["native/vrrp_io.c", "native/rtnl_address.c"],
      "defines": ["_GNU_SOURCE", "NAPI_VERSION=8"],
      "cflags_c": ["-std=c11", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"]
    }
  ]
}
