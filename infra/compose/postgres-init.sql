-- One database per service, owned by the role the services connect as (POSTGRES_USER).
CREATE DATABASE liaison_identity;
CREATE DATABASE liaison_directory;
CREATE DATABASE liaison_relay;
CREATE DATABASE liaison_audit;
CREATE DATABASE liaison_gateway;
