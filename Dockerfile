# xdpolicy in a container: a static binary on a minimal base, run as an
# unprivileged user. By default it serves the policy files in /etc/xdpolicy
# (the bundled examples; mount your own there) over HTTP on 8080 and on the
# socket policy ports 843 (Flash) and 943 (Silverlight):
#
#   docker build -t xdpolicy .
#   docker run --rm -p 843:843 -p 943:943 -p 8080:8080 -v "$PWD/policies:/etc/xdpolicy:ro" xdpolicy
#
# Docker (20.10 and later) lets an unprivileged process bind ports below
# 1024 inside a container; elsewhere, set the sysctl
# net.ipv4.ip_unprivileged_port_start=0 for the container. Any command
# runs the same way, and every flag may come from XDPOLICY_<FLAG>:
#
#   docker run --rm -p 843:843 -e XDPOLICY_ALLOW='*.example.com:9000' xdpolicy serve -flash :843
#   docker run --rm -p 8080:8080 xdpolicy bridge -listen :8080 -route game.example.com:9000=10.0.0.5:9000

FROM golang:1.24 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/xdpolicy ./cmd/xdpolicy

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/xdpolicy /usr/local/bin/xdpolicy
COPY testdata/examples/ /etc/xdpolicy/
USER nonroot:nonroot
EXPOSE 843 943 8080
ENTRYPOINT ["/usr/local/bin/xdpolicy"]
CMD ["serve", "-http", ":8080", "-flash", ":843", "-silverlight", ":943", "-dir", "/etc/xdpolicy"]
