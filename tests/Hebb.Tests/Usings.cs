global using Hebb;
