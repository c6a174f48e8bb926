# The audit service, from the .NET SDK's published output (nothing is compiled in the image):
#   dotnet publish services/LiaisonNet.Audit -c Release -o out/audit
#   docker build -f infra/docker/audit.Dockerfile -t liaisonnet/audit:latest .
FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY out/audit/ ./
# Keys and, on SQLite, data live here: mount a volume (shared by the instances where the manifests say so).
ENV Liaison__DataPath=/data
RUN mkdir -p /data && chown app /data
VOLUME /data
USER app
EXPOSE 5084
ENTRYPOINT ["dotnet", "LiaisonNet.Audit.dll"]
