# The gateway service, from the .NET SDK's published output (nothing is compiled in the image):
#   dotnet publish services/LiaisonNet.Gateway -c Release -o out/gateway
#   docker build -f infra/docker/gateway.Dockerfile -t liaisonnet/gateway:latest .
FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY out/gateway/ ./
# Keys and, on SQLite, data live here: mount a volume (shared by the instances where the manifests say so).
ENV Liaison__DataPath=/data
RUN mkdir -p /data && chown app /data
VOLUME /data
USER app
EXPOSE 5080
ENTRYPOINT ["dotnet", "LiaisonNet.Gateway.dll"]
